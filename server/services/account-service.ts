import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { EffectiveConfig } from '../config/load';
import { invalidRequest } from '../protocol/errors';
import { afterReply } from '../util/after-reply';
import type { EventHub } from './event-hub';

export const AUTH_FILE_NAME = 'codex-web-auth.json';

const authFile = z.object({ authMode: z.literal('apikey'), apiKey: z.string().min(1) });

/** The stored API key: `<home>/codex-web-auth.json`, mode 0600, never returned or logged. */
export class AccountService {
  private readonly file: string;

  constructor(
    home: string,
    private readonly hub: EventHub,
    private readonly config: EffectiveConfig,
  ) {
    this.file = path.join(home, AUTH_FILE_NAME);
  }

  /** The key for upstream calls, if one is stored. */
  apiKey(): string | null {
    if (!existsSync(this.file)) return null;
    const parsed = authFile.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
    return parsed.success ? parsed.data.apiKey : null;
  }

  loginWithApiKey(apiKey: string): { type: 'apiKey' } {
    const key = apiKey.trim();
    if (key.length === 0) throw invalidRequest('apiKey must not be empty');
    writeFileSync(this.file, JSON.stringify({ authMode: 'apikey', apiKey: key }), { mode: 0o600 });
    chmodSync(this.file, 0o600);
    afterReply(() => {
      this.hub.broadcast({ method: 'account/login/completed', params: { loginId: null, success: true, error: null } });
      this.hub.broadcast({ method: 'account/updated', params: { authMode: 'apikey', planType: null } });
    });
    return { type: 'apiKey' };
  }

  read(): { account: { type: 'apiKey' } | null; requiresOpenaiAuth: boolean } {
    return {
      account: this.apiKey() ? { type: 'apiKey' } : null,
      requiresOpenaiAuth: this.config.modelProvider.requires_openai_auth ?? false,
    };
  }

  logout(): Record<string, never> {
    rmSync(this.file, { force: true });
    afterReply(() => this.hub.broadcast({ method: 'account/updated', params: { authMode: null, planType: null } }));
    return {};
  }
}
