// Builds the server, then runs every test/**/*.test.ts with Node's test runner through tsx.
// Node 20's --test takes no globs, so the files are listed here.
// Every message the servers send to the test clients is recorded (CODEX_WEB_WIRE_LOG, test/support/wire-log.ts)
// and afterwards checked against the pinned reference's JSON schema (scripts/validate-wire.mjs); an invalid
// message fails the run like a failing test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureReference } from './ensure-reference.mjs';
import { report, validateWire } from './validate-wire.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? findTests(path.join(dir, e.name)) : e.name.endsWith('.test.ts') ? [path.join(dir, e.name)] : []))
    .sort();
}

const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

let reference;
try {
  reference = ensureReference();
} catch (err) {
  console.error(`ensure-reference: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const files = findTests(path.join(root, 'test')).map((f) => path.relative(root, f));
if (files.length === 0) {
  console.error('no test/**/*.test.ts files found');
  process.exit(1);
}
const wireDir = mkdtempSync(path.join(os.tmpdir(), 'codex-web-wire-'));
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CODEX_WEB_WIRE_LOG: wireDir },
});

const result = validateWire(wireDir, reference.schema);
report(result);
const wireOk = result.totals.invalid === 0 && result.totals.recorded > 0;
if (result.totals.recorded === 0) console.error(`no server messages were recorded in ${wireDir}`);
if (wireOk) rmSync(wireDir, { recursive: true, force: true });
else console.error(`the recorded messages are kept in ${wireDir} (check them with node scripts/validate-wire.mjs ${wireDir})`);
process.exit(run.status !== 0 ? (run.status ?? 1) : wireOk ? 0 : 1);
