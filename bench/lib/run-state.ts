import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockProviderConfig } from '../../testkit/mock-provider-config';

/** Temp folders a bench made (removed by `cleanup`) and the correctness problems it found. */
export const problems: string[] = [];
const tempDirs: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function cleanup(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function check(ok: boolean, message: string): void {
  if (!ok) problems.push(message);
}

/** config.toml for a bench home (ours or the reference's): the mock provider at `baseUrl`, no retries. */
export function writeMockProviderConfig(home: string, baseUrl: string): void {
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl, approvalPolicy: 'never', sandbox: 'read-only', name: 'Mock provider for bench' }));
}

/** Runs a bench's main: temp folders are removed on success, failure and Ctrl-C. */
export function runBench(main: () => Promise<void>): void {
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  main()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(cleanup);
}
