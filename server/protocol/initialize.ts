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
