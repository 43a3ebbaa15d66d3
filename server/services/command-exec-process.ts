// One `command/exec` child: pipes or a PTY behind one interface. Each child leads its own process group (pipes:
// detached spawn; PTY: forkpty makes a session leader), so a kill reaches the whole tree; under bwrap the group
// leader is bwrap, whose --die-with-parent and PID namespace take the sandboxed tree with it.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import type { IPty } from '@lydell/node-pty';
import type { CommandExecOutputStream, CommandExecTerminalSize } from '../protocol/command-exec';

/** After exit, how long to wait for pipes held open by leftover background children. */
const DRAIN_TIMEOUT_MS = 2000;
const KILL_GRACE_MS = 50;
/** The pty package is external to the server bundle and loaded on first tty use (keeps app-server startup lean). */
const PTY_PACKAGE = '@lydell/node-pty';

export interface ExecExit {
  /** null when killed by a signal. */
  code: number | null;
  /** Signal number, or 0. */
  signal: number;
}

export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Pipe mode: give the child a stdin pipe (else /dev/null). PTY mode always has one. */
  stdin: boolean;
  onOutput: (chunk: Buffer, stream: CommandExecOutputStream) => void;
}

export interface ExecProcess {
  readonly pid: number;
  /** Resolves once the process exited and its output was delivered to onOutput. */
  readonly done: Promise<ExecExit>;
  /** Queues bytes for stdin (a no-op once stdin is closed). */
  write(bytes: Buffer): void;
  /** Bytes queued for stdin that the child has not read yet. */
  stdinBacklog(): number;
  closeStdin(): void;
  resize(size: CommandExecTerminalSize): void;
  /** SIGTERM to the group, SIGKILL after a short grace; `hard` sends SIGKILL at once. */
  kill(hard?: boolean): void;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function makeKiller(pid: number) {
  let timer: NodeJS.Timeout | undefined;
  return {
    kill(hard = false) {
      if (hard) {
        clearTimeout(timer);
        killGroup(pid, 'SIGKILL');
        return;
      }
      if (timer) return;
      killGroup(pid, 'SIGTERM');
      timer = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    },
    /** Leftover group members (background children) do not outlive the command. */
    reap() {
      clearTimeout(timer);
      killGroup(pid, 'SIGKILL');
    },
  };
}

const osSignals = osConstants.signals as Record<string, number>;
const signalNumber = (sig: NodeJS.Signals | null): number => (sig ? (osSignals[sig] ?? 0) : 0);

/** Spawns with pipes. Rejects when the process cannot be started (e.g. ENOENT). */
export function spawnPiped(spec: SpawnSpec): Promise<ExecProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    child.once('error', reject);
    child.once('spawn', () => {
      child.off('error', reject);
      const pid = child.pid!;
      const killer = makeKiller(pid);
      // A child that exits without reading its stdin makes writes fail with EPIPE: not our error to raise.
      child.stdin?.on('error', () => {});
      child.stdout!.on('data', (c: Buffer) => spec.onOutput(c, 'stdout'));
      child.stderr!.on('data', (c: Buffer) => spec.onOutput(c, 'stderr'));
      const done = new Promise<ExecExit>((resolveDone) => {
        let open = 2;
        let exit: ExecExit | null = null;
        let drainTimer: NodeJS.Timeout | undefined;
        let finished = false;
        const finish = () => {
          if (finished || exit === null) return;
          finished = true;
          clearTimeout(drainTimer);
          child.stdout!.destroy();
          child.stderr!.destroy();
          child.stdin?.destroy();
          killer.reap();
          resolveDone(exit);
        };
        const closed = () => {
          open -= 1;
          if (open === 0) finish();
        };
        child.stdout!.on('close', closed);
        child.stderr!.on('close', closed);
        child.on('exit', (code, sig) => {
          exit = { code, signal: signalNumber(sig) };
          if (open === 0) finish();
          else drainTimer = setTimeout(finish, DRAIN_TIMEOUT_MS);
        });
      });
      resolve({
        pid,
        done,
        write(bytes) {
          if (child.stdin?.writable) child.stdin.write(bytes);
        },
        stdinBacklog: () => child.stdin?.writableLength ?? 0,
        closeStdin() {
          child.stdin?.end();
        },
        resize() {
          throw new Error('process is not attached to a PTY');
        },
        kill: (hard) => killer.kill(hard),
      });
    });
  });
}

type PtyModule = typeof import('@lydell/node-pty');
let ptyModule: PtyModule | null | undefined;

/** The PTY implementation, or null when the package (or its prebuilt binary for this platform) is missing. */
export function loadPty(): PtyModule | null {
  if (ptyModule === undefined) {
    try {
      ptyModule = createRequire(import.meta.url)(PTY_PACKAGE) as PtyModule;
    } catch {
      ptyModule = null;
    }
  }
  return ptyModule;
}

/** Spawns on a new PTY; its output (stdout and stderr multiplexed by the terminal) is reported as stdout. */
export function spawnPty(pty: PtyModule, spec: SpawnSpec & { size: CommandExecTerminalSize }): ExecProcess {
  const term: IPty = pty.spawn(spec.file, spec.args, {
    cwd: spec.cwd,
    env: spec.env as Record<string, string>,
    cols: spec.size.cols,
    rows: spec.size.rows,
    // Raw bytes: a UTF-8 sequence split across reads must not be mangled before it is base64-encoded.
    encoding: null,
  });
  const killer = makeKiller(term.pid);
  let stdinOpen = true;
  let midLine = false;
  term.onData((d: string | Buffer) => spec.onOutput(typeof d === 'string' ? Buffer.from(d, 'utf8') : d, 'stdout'));
  // node-pty reports exit only after the terminal's output was read to the end.
  const done = new Promise<ExecExit>((resolve) =>
    term.onExit(({ exitCode, signal }) => {
      stdinOpen = false;
      killer.reap();
      resolve(signal ? { code: null, signal } : { code: exitCode, signal: 0 });
    }),
  );
  return {
    pid: term.pid,
    done,
    write(bytes) {
      if (!stdinOpen || bytes.length === 0) return;
      (term.write as (data: string | Buffer) => void)(bytes);
      const last = bytes[bytes.length - 1];
      midLine = last !== 0x0a && last !== 0x0d;
    },
    // node-pty queues writes internally and does not expose the backlog.
    stdinBacklog: () => 0,
    closeStdin() {
      // A terminal has no stdin to close: end-of-file is the EOF character (^D) at the start of a line (a first
      // ^D only flushes a partial line).
      if (stdinOpen) term.write(midLine ? '\x04\x04' : '\x04');
      stdinOpen = false;
    },
    resize(size) {
      term.resize(size.cols, size.rows);
    },
    kill: (hard) => killer.kill(hard),
  };
}
