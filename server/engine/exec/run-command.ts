// Runs one process in its own process group with a timeout, an abort signal, bounded output and streaming.
// On timeout or abort the whole group gets SIGTERM, then SIGKILL after a short grace (default 50 ms), so the
// command and its children are gone within ~100 ms (kill.ts).
import { spawn } from 'node:child_process';
import { DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_KILL_GRACE_MS, groupKiller } from './kill';
import { CappedBuffer, DEFAULT_OUTPUT_CAP, type OutputStream } from './output-cap';

export interface RunCommandOptions {
  argv: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process group after this long; Infinity (or <= 0) for no timeout. */
  timeoutMs: number;
  /** Bytes retained for aggregatedOutput (and separately for stdout and for stderr); default 1 MiB. */
  outputCap?: number;
  signal?: AbortSignal;
  /** Called with each retained chunk as it arrives; the chunks concatenate to aggregatedOutput's bytes. */
  onOutput?: (chunk: Buffer, stream: OutputStream) => void;
  killGraceMs?: number;
  drainTimeoutMs?: number;
}

export interface RunCommandResult {
  /** null when the process was killed by a signal (see `signal`). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  aggregatedOutput: string;
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  /** Some output was dropped because a cap was reached. */
  truncated: boolean;
}

/**
 * Spawns argv (stdin is /dev/null). Resolves when the process has exited and its output is drained; rejects only
 * when the process cannot be started (e.g. ENOENT). An already aborted signal resolves at once without spawning.
 */
export function runCommand(opts: RunCommandOptions): Promise<RunCommandResult> {
  const cap = opts.outputCap ?? DEFAULT_OUTPUT_CAP;
  const grace = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const drainMs = opts.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  const [file, ...args] = opts.argv;
  if (file === undefined) return Promise.reject(new TypeError('runCommand: argv is empty'));
  const started = performance.now();
  const out = new CappedBuffer(cap);
  const err = new CappedBuffer(cap);
  const agg = new CappedBuffer(cap);
  const result = (over: Partial<RunCommandResult>): RunCommandResult => ({
    exitCode: null,
    signal: null,
    stdout: out.text(),
    stderr: err.text(),
    aggregatedOutput: agg.text(),
    durationMs: Math.round(performance.now() - started),
    timedOut: false,
    aborted: false,
    truncated: out.dropped || err.dropped || agg.dropped,
    ...over,
  });
  if (opts.signal?.aborted) return Promise.resolve(result({ aborted: true }));

  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    // No pid: the spawn failed and 'error' follows; there is nothing to kill.
    const killer = child.pid === undefined ? null : groupKiller(child.pid, grace);
    let timedOut = false;
    let aborted = false;
    let drainTimer: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let openStreams = 2;
    let settled = false;

    const onAbort = () => {
      aborted = true;
      killer?.kill();
    };
    const timeout =
      Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            killer?.kill();
          }, opts.timeoutMs)
        : undefined;
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      if (settled || exit === null) return;
      settled = true;
      clearTimeout(timeout);
      clearTimeout(drainTimer);
      // The SIGKILL timer stays armed: it reaches children that ignored SIGTERM even after the leader exited.
      opts.signal?.removeEventListener('abort', onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(result({ exitCode: exit.code, signal: exit.signal, timedOut, aborted }));
    };

    const onData = (stream: OutputStream, buf: CappedBuffer) => (chunk: Buffer) => {
      buf.push(chunk);
      const kept = agg.push(chunk);
      if (kept.length > 0) opts.onOutput?.(kept, stream);
    };
    child.stdout.on('data', onData('stdout', out));
    child.stderr.on('data', onData('stderr', err));
    const streamClosed = () => {
      openStreams -= 1;
      if (openStreams === 0) finish();
    };
    child.stdout.on('close', streamClosed);
    child.stderr.on('close', streamClosed);

    child.on('error', (e) => {
      if (exit !== null || settled) return;
      settled = true;
      clearTimeout(timeout);
      killer?.cancel();
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('exit', (code, sig) => {
      exit = { code, signal: sig };
      if (openStreams === 0) return finish();
      // Leftover children may hold the pipes open; after a kill there is nothing worth waiting for.
      drainTimer = setTimeout(finish, timedOut || aborted ? grace : drainMs);
    });
  });
}
