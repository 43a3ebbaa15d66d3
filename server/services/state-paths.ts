// Where the server keeps state a sandboxed command must never see, and the startup check that the default
// sandbox can hide it.
import { existsSync, lstatSync, mkdirSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EffectiveConfig } from '../config/load';
import { isWithin } from '../util/paths';

/**
 * The server home, plus the codex homes whose credentials sit beside ours on the same machine. A missing codex
 * home is created (empty, 0700): a folder that does not exist cannot be hidden, and a command could otherwise
 * plant one with a config.toml the Codex CLI would load.
 */
export function hiddenStatePaths(home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const codexHomes = [path.join(os.homedir(), '.codex')];
  if (env.CODEX_HOME) codexHomes.push(path.resolve(env.CODEX_HOME));
  for (const c of codexHomes) {
    try {
      if (existsSync(path.dirname(c))) mkdirSync(c, { mode: 0o700 });
    } catch {
      // Exists already, or its parent is not ours to write: nothing to hide then.
    }
  }
  const candidates = [home, ...codexHomes];
  const out: string[] = [];
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const real = realpathSync(c);
    if (!out.includes(real)) out.push(real);
  }
  return out;
}

export class UnsafeHomeError extends Error {}

/**
 * Refuses a home the default sandbox could not hide: one that is, or holds, the workspace or another writable
 * root (hiding it would hide the workspace; leaving it would let the agent rewrite config.toml and the access
 * token for the next start). A home inside a writable root is fine: it is hidden from every confined command.
 */
export function assertHomeIsHideable(home: string, config: EffectiveConfig, cwd: string): void {
  if (config.sandboxMode === 'danger-full-access') return;
  const realHome = realpathSync(home);
  const roots = config.sandboxMode === 'workspace-write' ? [cwd, ...(config.raw.sandbox_workspace_write?.writable_roots ?? [])] : [cwd];
  for (const r of roots) {
    const root = path.resolve(cwd, r);
    const real = existsSync(root) ? realpathSync(root) : root;
    if (isWithin(real, realHome)) {
      throw new UnsafeHomeError(
        `the home ${home} holds the workspace ${real}, so the agent's sandbox cannot hide the server's config, ` +
          `database and access token from it. Use a home outside the workspace (for example --home ~/.codex-web) ` +
          `or start the server in another folder.`,
      );
    }
  }
}

/** Where a command may write under workspace-write (any thread may switch to it): cwd, writable roots, /tmp, $TMPDIR. */
function workspaceWriteRoots(config: EffectiveConfig, cwd: string, env: NodeJS.ProcessEnv): string[] {
  const ws = config.raw.sandbox_workspace_write;
  const roots = [cwd, ...(ws?.writable_roots ?? []).map((r) => path.resolve(cwd, r))];
  if (!ws?.exclude_slash_tmp) roots.push('/tmp');
  if (!ws?.exclude_tmpdir_env_var && env.TMPDIR) roots.push(path.resolve(env.TMPDIR));
  return roots.map((r) => (existsSync(r) ? realpathSync(r) : r));
}

/**
 * Refuses a home reached through a symlink that sits in a writable folder: hiding works on the real path, so a
 * command could re-point the link and the next start would load a planted home (config.toml, access token).
 */
export function assertNoWritableSymlinkInHome(home: string, config: EffectiveConfig, cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  if (config.sandboxMode === 'danger-full-access') return;
  const roots = workspaceWriteRoots(config, cwd, env);
  const parts = path.resolve(home).split(path.sep).filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const prefix = path.sep + parts.slice(0, i).join(path.sep);
    let isLink = false;
    try {
      isLink = lstatSync(prefix).isSymbolicLink();
    } catch {
      return;
    }
    if (!isLink) continue;
    const parent = realpathSync(path.dirname(prefix));
    if (roots.some((r) => isWithin(parent, r))) {
      throw new UnsafeHomeError(
        `the home ${home} is reached through the symlink ${prefix}, which lies in a folder sandboxed commands may write ` +
          `(${parent}); a command could re-point it and the next start would use another home. Pass the real path ` +
          `(--home ${realpathSync(home)}) or move the link out of the workspace and /tmp.`,
      );
    }
  }
}
