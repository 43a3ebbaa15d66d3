// Sandbox policies enforced with Debian's bubblewrap (bwrap).
//
// readOnly:        the whole filesystem is bound read-only (/tmp included, like codex's read-only mode: "read-only"
//                  means no write anywhere; /dev is a fresh minimal devtmpfs so /dev/null still works).
// workspaceWrite:  read-only everywhere except the writable roots: the sandbox cwd, policy.writableRoots, extra
//                  roots, /tmp (unless excludeSlashTmp) and $TMPDIR (unless excludeTmpdirEnvVar). Every `.git`
//                  and `.codex` entry in a writable root stays read-only (the top level, as in codex, and nested
//                  ones found by a bounded walk of the cwd and explicit roots).
// both, hardened:  the server's own state (its home, codex homes) is hidden: an empty read-only tmpfs over each,
//                  mounted last so no writable bind can uncover it, and each directory between a writable root and
//                  a hidden path becomes a mount point so it cannot be renamed away (rename(2) of a mount point is
//                  EBUSY), which would let the next start read a planted home. With the network off, a seccomp
//                  filter denies socket(AF_UNIX) and io_uring, so host Unix sockets (docker, ssh-agent, dbus,
//                  tmux) are unreachable, and /run, $XDG_RUNTIME_DIR and the $SSH_AUTH_SOCK folder are hidden too.
// both:            own PID namespace (the whole tree dies with the sandbox), own network namespace (loopback only,
//                  so the host's 127.0.0.1 is unreachable) unless network access is allowed.
// dangerFullAccess and externalSandbox run the command directly.
// A missing bwrap is an error value, never a silent unsandboxed run.
import { accessSync, constants, existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SandboxPolicy } from '../../protocol/common';
import { isStrictlyWithin, isWithin } from '../../util/paths';
import type { ShellEnvironmentPolicy } from './shell-env';

export const DEFAULT_BWRAP_PATH = '/usr/bin/bwrap';
/** The descriptor bwrap reads its seccomp program from. */
const SECCOMP_FD = 3;
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

/** What every confined command gets on top of its policy; built once by the service layer. */
export interface SandboxHardening {
  /** Directories no confined command may see (the server home, codex homes): each becomes an empty read-only tmpfs. */
  hiddenPaths: readonly string[];
  /** A compiled seccomp program (see seccomp.ts) applied when the network is off; null where unsupported. */
  seccompFile: string | null;
  envPolicy: ShellEnvironmentPolicy;
  /** The current secret values (access token, API keys) that must never appear in tool output. */
  secrets: () => readonly string[];
  /**
   * false when this server listens without a token (loopback `app-server --listen ws://`, `serve --no-auth`): a
   * command with network access could drive that port and run unsandboxed, so every command runs with the network off.
   */
  networkAllowed?: boolean;
}

export const NO_HARDENING: SandboxHardening = { hiddenPaths: [], seccompFile: null, envPolicy: {}, secrets: () => [] };

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
  hardening?: SandboxHardening;
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

/** Bounds for the walk that finds nested `.git`/`.codex` entries (a cwd such as ~/src holds many repositories); at
 * the bound a command waits about 0.1 s (warm cache, measured by npm run bench:sandbox). Deeper or later entries are not found: README, Security model. */
const NESTED_WALK_MAX_DIRS = 4_000;
const NESTED_WALK_MAX_ENTRIES = 40_000;
const NESTED_WALK_MAX_DEPTH = 6;
/** Folders the walk does not enter: package trees are large and hold no repositories of the user's. */
const NESTED_WALK_SKIP = new Set(['node_modules', '.venv', 'target', '__pycache__']);

/**
 * Protected entries below the top of `root`, breadth first, within the walk's bounds. Symlinks are not followed
 * (a link to elsewhere is not inside the root; a link named `.git` is protected like a folder).
 */
export function nestedProtectedPaths(root: string, maxDirs = NESTED_WALK_MAX_DIRS): string[] {
  const found: string[] = [];
  let queue: string[] = [root];
  let visited = 0;
  let seen = 0;
  for (let depth = 0; depth <= NESTED_WALK_MAX_DEPTH && queue.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (++visited > maxDirs) return found;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      seen += entries.length;
      if (seen > NESTED_WALK_MAX_ENTRIES) return found;
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if ((PROTECTED_SUBPATHS as readonly string[]).includes(e.name)) {
          if (depth > 0) found.push(full);
        } else if (e.isDirectory() && !NESTED_WALK_SKIP.has(e.name)) next.push(full);
      }
    }
    queue = next;
  }
  return found;
}

/** Folders hidden when the network is off: where host daemons keep their sockets. */
export function socketDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs = ['/run', '/var/run', '/tmp/.X11-unix'];
  if (env.XDG_RUNTIME_DIR) dirs.push(env.XDG_RUNTIME_DIR);
  if (env.SSH_AUTH_SOCK) dirs.push(path.dirname(env.SSH_AUTH_SOCK));
  return dirs;
}

/** The bwrap argument list (without the bwrap path) for a confining policy. */
export function bwrapArgs(opts: {
  cwd: string;
  argv: readonly string[];
  writableRoots: readonly string[];
  networkAccess: boolean;
  /** Roots to walk for nested `.git`/`.codex` (the cwd and explicit roots, not /tmp). */
  walkRoots?: readonly string[];
  hiddenPaths?: readonly string[];
  /** Extra folders to hide, skipped when they hold the cwd or a writable root (socket folders). */
  hideIfFree?: readonly string[];
  seccompFd?: number;
}): string[] {
  const args = ['--new-session', '--die-with-parent', '--unshare-pid'];
  if (!opts.networkAccess) args.push('--unshare-net');
  args.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc');
  for (const root of opts.writableRoots) args.push('--bind', root, root);
  const hidden = [...new Set((opts.hiddenPaths ?? []).map(realpathOrNull).filter((p): p is string => p !== null))];
  // A directory between a writable root and a hidden path becomes a mount point, so it cannot be renamed.
  const pinned = new Set<string>();
  for (const h of hidden) {
    for (const root of opts.writableRoots) {
      if (!isStrictlyWithin(h, root)) continue;
      for (let a = path.dirname(h); isStrictlyWithin(a, root); a = path.dirname(a)) pinned.add(a);
    }
  }
  for (const a of [...pinned].sort((x, y) => x.length - y.length)) args.push('--bind', a, a);
  const guarded = new Set(protectedPaths(opts.writableRoots));
  for (const root of opts.walkRoots ?? []) for (const p of nestedProtectedPaths(root)) guarded.add(p);
  for (const p of [...guarded].sort((x, y) => x.length - y.length)) args.push('--ro-bind', p, p);
  const busy = [opts.cwd, ...opts.writableRoots];
  for (const dir of opts.hideIfFree ?? []) {
    const real = realpathOrNull(dir);
    if (real && !hidden.includes(real) && !busy.some((b) => isWithin(b, real))) hidden.push(real);
  }
  // Last, so nothing bound above can uncover them; parents first.
  for (const h of hidden.sort((x, y) => x.length - y.length)) args.push('--tmpfs', h, '--remount-ro', h);
  if (opts.seccompFd !== undefined) args.push('--seccomp', String(opts.seccompFd));
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
  const hardening = opts.hardening ?? NO_HARDENING;
  const realCwd = realpathOrNull(opts.cwd) ?? opts.cwd;
  const hiding = hardening.hiddenPaths.map((h) => realpathOrNull(h) ?? h).find((h) => isWithin(realCwd, h));
  if (hiding !== undefined) {
    return new SandboxUnavailableError(
      `the working directory ${opts.cwd} is inside ${hiding}, the server's own state, which sandboxed commands cannot see`,
      'start the thread in a workspace outside the server home',
    );
  }
  const networkAccess = (opts.networkAccess ?? policyNetworkAccess(opts.policy)) && hardening.networkAllowed !== false;
  const roots = scope.kind === 'roots' ? scope.roots : [];
  const sandboxCwd = opts.sandboxCwd ?? opts.cwd;
  const explicit = opts.policy.type === 'workspaceWrite' ? [sandboxCwd, ...opts.policy.writableRoots, ...(opts.writableRoots ?? [])] : [];
  const walkRoots = roots.filter((r) => explicit.some((e) => realpathOrNull(path.resolve(sandboxCwd, e)) === r));
  const seccomp = !networkAccess && hardening.seccompFile !== null;
  const args = bwrapArgs({
    cwd: opts.cwd,
    argv: opts.argv,
    writableRoots: roots,
    networkAccess,
    walkRoots,
    hiddenPaths: hardening.hiddenPaths,
    hideIfFree: networkAccess ? [] : socketDirs(opts.env ?? process.env),
    seccompFd: seccomp ? SECCOMP_FD : undefined,
  });
  if (!seccomp) return { file: bwrap, args, sandboxed: true };
  // bwrap reads the filter from an inherited descriptor: sh opens the file as fd 3, then becomes bwrap (same pid,
  // so process-group kills and PTYs work unchanged). The file lives in the hidden home, out of the agent's reach.
  return { file: '/bin/sh', args: ['-c', 'exec 3<"$0" && exec "$@"', hardening.seccompFile!, bwrap, ...args], sandboxed: true };
}
