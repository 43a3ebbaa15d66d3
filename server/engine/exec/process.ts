// One interactive child (`command/exec`): pipes or a PTY (pty.ts) behind one interface, each leading its own
// process group so a kill reaches the whole tree (kill.ts).
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { DEFAULT_DRAIN_TIMEOUT_MS, groupKiller } from './kill';
import type { OutputStream } from './output-cap';

export interface TerminalSize {
  rows: number;
  cols: number;
}

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
  onOutput: (chunk: Buffer, stream: OutputStream) => void;
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
  resize(size: TerminalSize): void;
  /** SIGTERM to the group, SIGKILL after a short grace; `hard` sends SIGKILL at once. */
  kill(hard?: boolean): void;
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
      const killer = groupKiller(pid);
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
          else drainTimer = setTimeout(finish, DEFAULT_DRAIN_TIMEOUT_MS);
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
