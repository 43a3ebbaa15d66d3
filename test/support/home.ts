import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockProviderConfig } from '../../testkit/mock-provider-config';

/** The config.toml the seeds write (000/004), pointing the provider at a mock upstream. */
export function seedConfigToml(upstreamUrl: string, approvalPolicy = 'never'): string {
  return mockProviderConfig({ baseUrl: `${upstreamUrl}/v1`, approvalPolicy, sandbox: 'read-only' });
}

export interface TempHome {
  dir: string;
  remove(): void;
}

/** A fresh home folder (its SQLite file is created by the server or by a seeding test). */
export function createTempHome(opts: { upstreamUrl?: string; approvalPolicy?: string } = {}): TempHome {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'codex-web-test-'));
  if (opts.upstreamUrl) writeFileSync(path.join(dir, 'config.toml'), seedConfigToml(opts.upstreamUrl, opts.approvalPolicy));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
