// Where the server keeps state a sandboxed command must never see, and the startup check that the default
// sandbox can hide it.
import { existsSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EffectiveConfig } from '../config/load';

/** The server home, plus the codex homes whose credentials sit beside ours on the same machine. */
export function hiddenStatePaths(home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const candidates = [home, path.join(os.homedir(), '.codex')];
  if (env.CODEX_HOME) candidates.push(path.resolve(env.CODEX_HOME));
  const out: string[] = [];
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const real = realpathSync(c);
    if (!out.includes(real)) out.push(real);
  }
  return out;
}

function contains(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
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
    if (contains(realHome, real)) {
      throw new UnsafeHomeError(
        `the home ${home} holds the workspace ${real}, so the agent's sandbox cannot hide the server's config, ` +
          `database and access token from it. Use a home outside the workspace (for example --home ~/.codex-web) ` +
          `or start the server in another folder.`,
      );
    }
  }
}
