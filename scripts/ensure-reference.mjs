// Makes sure the pinned reference app-server (@openai/codex) and its generated JSON schema are on this
// machine, outside the repo: ${XDG_CACHE_HOME:-$HOME/.cache}/codex-web/ref-<version>/. The reference is
// never a dependency of ours; the tests only read its schema (scripts/validate-wire.mjs).
// Idempotent: when both are present it only reads two files. Prints the paths.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REFERENCE_VERSION = '0.169.0';

/** Where the reference lives: the install prefix, its `codex` binary and the generated schema folder. */
export function referencePaths(version = REFERENCE_VERSION) {
  const cacheRoot = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(cacheRoot, 'codex-web', `ref-${version}`);
  return { dir, codex: path.join(dir, 'node_modules', '.bin', 'codex'), schema: path.join(dir, 'schema') };
}

function installedVersion(dir) {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'node_modules', '@openai', 'codex', 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${(r.stderr || '').slice(-2000)}`);
  return r.stdout;
}

/** Installs the reference and generates its schema when missing; returns referencePaths(). */
export function ensureReference({ version = REFERENCE_VERSION, log = (line) => console.error(line) } = {}) {
  const paths = referencePaths(version);
  mkdirSync(paths.dir, { recursive: true });
  if (installedVersion(paths.dir) !== version || !existsSync(paths.codex)) {
    log(`ensure-reference: installing @openai/codex@${version} into ${paths.dir}`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    run(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', paths.dir, `@openai/codex@${version}`], { cwd: paths.dir });
    rmSync(paths.schema, { recursive: true, force: true }); // a schema from another install is stale
  }
  // The reference keeps its own state under CODEX_HOME: give it one inside the cache, never ~/.codex.
  const env = { ...process.env, CODEX_HOME: path.join(paths.dir, 'codex-home') };
  mkdirSync(env.CODEX_HOME, { recursive: true });
  const reported = run(paths.codex, ['--version'], { env }).trim();
  if (!reported.endsWith(` ${version}`)) throw new Error(`${paths.codex} --version says "${reported}", expected ${version}`);
  if (!existsSync(path.join(paths.schema, 'ServerNotification.json'))) {
    // Generate next to the final folder and rename, so a half-written schema is never taken as complete.
    const tmp = `${paths.schema}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    log(`ensure-reference: generating the JSON schema into ${paths.schema}`);
    run(paths.codex, ['app-server', 'generate-json-schema', '--experimental', '--out', tmp], { env });
    rmSync(paths.schema, { recursive: true, force: true });
    renameSync(tmp, paths.schema);
  }
  return paths;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const p = ensureReference();
    console.log(`reference: @openai/codex@${REFERENCE_VERSION}\n  codex:  ${p.codex}\n  schema: ${p.schema}`);
  } catch (err) {
    console.error(`ensure-reference: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
