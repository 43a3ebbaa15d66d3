import { z } from 'zod';

export const initializeParams = z.object({
  clientInfo: z.object({ name: z.string(), title: z.string().nullish(), version: z.string() }),
  capabilities: z
    .object({
      experimentalApi: z.boolean().nullish(),
      optOutNotificationMethods: z.array(z.string()).nullish(),
    })
    .nullish(),
});

export interface InitializeResponse {
  userAgent: string;
  codexHome: string;
  platformFamily: string;
  platformOs: string;
}

/** The Codex app-server protocol release this server implements (docs/protocol.md#methods). */
export const APP_SERVER_PROTOCOL_VERSION = '0.169.0';
