import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The config.toml the seeds write (000/004), pointing the provider at a mock upstream. */
export function seedConfigToml(upstreamUrl: string, approvalPolicy = 'never'): string {
  return `
model = "mock-model"
approval_policy = "${approvalPolicy}"
sandbox_mode = "read-only"

model_provider = "mock_provider"

[model_providers.mock_provider]
name = "Mock provider for test"
base_url = "${upstreamUrl}/v1"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
`;
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
