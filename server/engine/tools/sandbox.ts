// Sandbox policies enforced with Debian's bubblewrap (bwrap).
//
// readOnly:        the whole filesystem is bound read-only (/tmp included, like codex's read-only mode: "read-only"
//                  means no write anywhere; /dev is a fresh minimal devtmpfs so /dev/null still works).
// workspaceWrite:  read-only everywhere except the writable roots: the sandbox cwd, policy.writableRoots, extra
//                  roots, /tmp (unless excludeSlashTmp) and $TMPDIR (unless excludeTmpdirEnvVar). A `.git` or
//                  `.codex` entry at the top of a writable root stays read-only, as in codex.
// both:            own PID namespace (the whole tree dies with the sandbox), own network namespace (loopback only,
//                  so the host's 127.0.0.1 is unreachable) unless network access is allowed.
// dangerFullAccess and externalSandbox run the command directly.
// A missing bwrap is an error value, never a silent unsandboxed run.
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SandboxPolicy } from '../../protocol/common';

export const DEFAULT_BWRAP_PATH = '/usr/bin/bwrap';
export const BWRAP_INSTALL_HINT = 'install it with `sudo apt-get install bubblewrap` (Debian/Ubuntu)';
/** Entries at the top of a writable root that stay read-only (codex keeps them protected too). */
export const PROTECTED_SUBPATHS = ['.git', '.codex'] as const;

export class SandboxUnavailableError extends Error {
  readonly code = 'sandboxUnavailable';
  constructor(detail: string, fix = BWRAP_INSTALL_HINT) {
    super(
      `${detail}; commands cannot run under the read-only or workspace-write sandbox without it. ` +
        `Fix: ${fix}, or choose the danger-full-access sandbox mode to run without a sandbox.`,
    );
    this.name = 'SandboxUnavailableError';
  }
}

export interface SandboxedCommand {
  file: string;
  args: string[];
  /** false for dangerFullAccess / externalSandbox (the command runs as is). */
  sandboxed: boolean;
}

export interface BuildSandboxedCommandOptions {
  policy: SandboxPolicy;
  /** Where the command runs (absolute). */
  cwd: string;
  argv: readonly string[];
  /** Extra writable roots, added to policy.writableRoots (workspaceWrite only). Relative ones resolve against sandboxCwd. */
  writableRoots?: readonly string[];
  /** Overrides the policy's networkAccess when given. */
  networkAccess?: boolean;
  /** The turn's cwd, writable under workspaceWrite; defaults to cwd (a shell `workdir` may differ from it). */
  sandboxCwd?: string;
  /** The command's environment, read for $TMPDIR; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** bwrap to use: a path, null to simulate it missing (tests), undefined to look it up. */
  bwrapPath?: string | null;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Finds bwrap: the given path, else /usr/bin/bwrap, else $PATH. Returns null when it is missing. */
export function findBwrap(bwrapPath?: string | null): string | null {
  if (bwrapPath === null) return null;
  if (bwrapPath !== undefined) return isExecutable(bwrapPath) ? bwrapPath : null;
  if (isExecutable(DEFAULT_BWRAP_PATH)) return DEFAULT_BWRAP_PATH;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'bwrap'))) return path.join(dir, 'bwrap');
  }
  return null;
}

function missingBwrap(bwrapPath: string | null | undefined): SandboxUnavailableError {
  const where = typeof bwrapPath === 'string' ? bwrapPath : `${DEFAULT_BWRAP_PATH} or $PATH`;
  return new SandboxUnavailableError(`bubblewrap (bwrap) was not found (looked in ${where})`);
}

function realpathOrNull(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** Policy → does it confine the filesystem, and is the network allowed. */
export function policyNetworkAccess(policy: SandboxPolicy): boolean {
  switch (policy.type) {
    case 'dangerFullAccess':
      return true;
    case 'externalSandbox':
      return policy.networkAccess === 'enabled';
    default:
      return policy.networkAccess;
  }
}

export type WritableScope = { kind: 'all' } | { kind: 'none' } | { kind: 'roots'; roots: string[] };

/**
 * The writable roots a policy grants, as canonical absolute paths of existing directories (missing roots are
 * skipped: bwrap cannot bind what does not exist). apply_patch uses the same answer as the sandbox.
 */
export function writableScope(opts: {
  policy: SandboxPolicy;
  sandboxCwd: string;
  writableRoots?: readonly string[];
  env?: NodeJS.ProcessEnv;
}): WritableScope {
  const { policy } = opts;
  if (policy.type === 'dangerFullAccess' || policy.type === 'externalSandbox') return { kind: 'all' };
  if (policy.type === 'readOnly') return { kind: 'none' };
  const env = opts.env ?? process.env;
  const wanted = [opts.sandboxCwd, ...policy.writableRoots, ...(opts.writableRoots ?? [])].map((r) =>
    path.resolve(opts.sandboxCwd, r),
  );
  if (!policy.excludeSlashTmp) wanted.push('/tmp');
  if (!policy.excludeTmpdirEnvVar && env.TMPDIR) wanted.push(path.resolve(env.TMPDIR));
  const roots: string[] = [];
  for (const r of wanted) {
    const real = realpathOrNull(r);
    if (real && !roots.includes(real) && statSync(real).isDirectory()) roots.push(real);
  }
  // Parents first, so a nested root is bound after (and on top of) its parent.
  roots.sort((a, b) => a.length - b.length || a.localeCompare(b));
  return { kind: 'roots', roots };
}

/** Protected entries (`.git`, `.codex`) that exist at the top of the given roots. */
export function protectedPaths(roots: readonly string[]): string[] {
  return roots.flatMap((root) => PROTECTED_SUBPATHS.map((p) => path.join(root, p)).filter((p) => existsSync(p)));
}

/** The bwrap argument list (without the bwrap path) for a confining policy. */
export function bwrapArgs(opts: {
  cwd: string;
  argv: readonly string[];
  writableRoots: readonly string[];
  networkAccess: boolean;
}): string[] {
  const args = ['--new-session', '--die-with-parent', '--unshare-pid'];
  if (!opts.networkAccess) args.push('--unshare-net');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');
  for (const root of opts.writableRoots) args.push('--bind', root, root);
  for (const p of protectedPaths(opts.writableRoots)) args.push('--ro-bind', p, p);
  args.push('--chdir', opts.cwd, '--', ...opts.argv);
  return args;
}

/**
 * Wraps argv for the policy. Returns the command to spawn, or a SandboxUnavailableError when the policy needs
 * bwrap and it is missing.
 */
export function buildSandboxedCommand(opts: BuildSandboxedCommandOptions): SandboxedCommand | SandboxUnavailableError {
  const [file, ...rest] = opts.argv;
  if (file === undefined) throw new TypeError('buildSandboxedCommand: argv is empty');
  if (!path.isAbsolute(opts.cwd)) throw new TypeError(`buildSandboxedCommand: cwd must be absolute (got ${opts.cwd})`);
  const scope = writableScope({
    policy: opts.policy,
    sandboxCwd: opts.sandboxCwd ?? opts.cwd,
    writableRoots: opts.writableRoots,
    env: opts.env,
  });
  if (scope.kind === 'all') return { file, args: rest, sandboxed: false };
  const bwrap = findBwrap(opts.bwrapPath);
  if (bwrap === null) return missingBwrap(opts.bwrapPath);
  const args = bwrapArgs({
    cwd: opts.cwd,
    argv: opts.argv,
    writableRoots: scope.kind === 'roots' ? scope.roots : [],
    networkAccess: opts.networkAccess ?? policyNetworkAccess(opts.policy),
  });
  return { file: bwrap, args, sandboxed: true };
}

/**
 * Checks once that bwrap exists and can create its namespaces here (it cannot in some unprivileged containers).
 * Resolves to null when it works, else to an error value saying why; for a startup log line or a health check.
 */
export function probeSandbox(bwrapPath?: string | null): Promise<SandboxUnavailableError | null> {
  const bwrap = findBwrap(bwrapPath);
  if (bwrap === null) return Promise.resolve(missingBwrap(bwrapPath));
  const args = bwrapArgs({ cwd: '/', argv: ['true'], writableRoots: [], networkAccess: false });
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(bwrap, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 2000)));
    child.on('error', (err) => resolve(new SandboxUnavailableError(`bubblewrap (${bwrap}) could not start: ${err.message}`)));
    child.on('close', (code) =>
      resolve(
        code === 0
          ? null
          : new SandboxUnavailableError(
              `bubblewrap (${bwrap}) cannot create its namespaces here: ${stderr.trim() || `exit ${code}`}`,
              'allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1) or run the server with CAP_SYS_ADMIN',
            ),
      ),
    );
  });
}
