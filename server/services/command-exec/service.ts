// `command/exec`: a standalone command in the server sandbox, outside any thread. Processes are scoped to the
// connection that started them (their processIds, their output deltas) and die with it. Behaviour follows the
// reference app-server 0.169: 10 s default timeout (exit code 124), per-stream output caps whose last streamed
// chunk says capReached, terminate = SIGKILL (exit 137), the response only after every delta.
import { statSync } from 'node:fs';
import path from 'node:path';
import type {
  CommandExecOutputStream,
  CommandExecParams,
  CommandExecResizeParams,
  CommandExecResponse,
  CommandExecTerminalSize,
  CommandExecTerminateParams,
  CommandExecWriteParams,
} from '../../protocol/command-exec';
import type { SandboxPolicy } from '../../protocol/common';
import { ErrorCode, RpcError, invalidRequest, overloaded } from '../../protocol/errors';
import { CappedBuffer } from '../../engine/exec/output-cap';
import { spawnPiped, type ExecProcess, type SpawnSpec } from '../../engine/exec/process';
import { loadPty, spawnPty } from '../../engine/exec/pty';
import { buildSandboxedCommand, NO_HARDENING, policyNetworkAccess, SandboxUnavailableError, type SandboxHardening } from '../../engine/exec/sandbox';
import { shellEnv } from '../../engine/exec/shell-env';
import type { Subscriber } from '../event-hub';

export const COMMAND_EXEC_DEFAULT_TIMEOUT_MS = 10_000;
export const COMMAND_EXEC_DEFAULT_OUTPUT_CAP = 1024 * 1024;
export const MAX_COMMAND_EXEC_PER_CONNECTION = 16;
export const MAX_COMMAND_EXEC_TOTAL = 128;
/** `disableOutputCap` on a buffered (not streamed) command still keeps its capture bounded in memory. */
const BUFFERED_CAPTURE_CEILING = 64 * 1024 * 1024;
/** Stdin bytes a child may leave unread before further writes are refused with -32001. */
const MAX_STDIN_BACKLOG = 16 * 1024 * 1024;
/** codex's exit code for a timed-out command (coreutils `timeout` uses it too). */
const TIMEOUT_EXIT_CODE = 124;
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_TTY_SIZE: CommandExecTerminalSize = { rows: 24, cols: 80 };
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const invalidParams = (message: string) => new RpcError(ErrorCode.InvalidParams, message);
const spawnFailed = (detail: string) => new RpcError(ErrorCode.InternalError, `failed to spawn command: ${detail}`);
const noActive = (processId: string) => invalidRequest(`no active command/exec for process id ${JSON.stringify(processId)}`);

export interface CommandExecDeps {
  /** Where commands run when the request names no cwd (relative cwds resolve against it). */
  defaultCwd: string;
  /** The configured sandbox, used when the request carries no sandboxPolicy. */
  defaultPolicy: () => SandboxPolicy;
  bwrapPath?: string | null;
  hardening?: SandboxHardening;
}

interface Session {
  tty: boolean;
  streamStdin: boolean;
  stdinClosed: boolean;
  /** The spawned process; null when spawning failed. */
  ready: Promise<ExecProcess | null>;
  /** Set once spawned, so a kill at shutdown need not wait a tick. */
  proc?: ExecProcess;
}

/** Retains (buffered) or forwards (streamed) one stream's bytes up to its cap. */
class OutputSink {
  private readonly buf: CappedBuffer;
  private capHit = false;
  constructor(
    cap: number,
    private readonly forward: ((delta: Buffer, capReached: boolean) => void) | null,
  ) {
    this.buf = new CappedBuffer(cap, forward === null);
  }

  push(chunk: Buffer): void {
    if (this.capHit) return; // later output is drained and dropped
    const kept = this.buf.push(chunk);
    // The chunk that reaches the cap (even an empty one, for a cap of 0) is the one that says capReached.
    this.capHit = this.buf.full;
    this.forward?.(kept, this.capHit);
  }

  text(): string {
    return this.buf.text();
  }
}

export class CommandExecService {
  /** connection id → (session key → session); processIds are connection-scoped. */
  private readonly connections = new Map<string, Map<string, Session>>();
  private total = 0;
  private internalSeq = 0;

  constructor(private readonly deps: CommandExecDeps) {}

  async exec(p: CommandExecParams, subscriber: Subscriber): Promise<CommandExecResponse> {
    if (p.command.length === 0) throw invalidRequest('command must not be empty');
    if (p.permissionProfile != null) throw invalidRequest('permissionProfile is not supported by codex-web; pass sandboxPolicy instead');
    const tty = p.tty ?? false;
    const streamStdin = tty || (p.streamStdin ?? false);
    const streamOutput = tty || (p.streamStdoutStderr ?? false);
    if ((tty || streamStdin || streamOutput) && p.processId == null) {
      throw invalidRequest('command/exec tty or streaming requires a client-supplied processId');
    }
    if (p.size != null && !tty) throw invalidParams('command/exec size requires tty: true');
    if (p.timeoutMs != null && p.disableTimeout) throw invalidParams('command/exec cannot set both timeoutMs and disableTimeout');
    if (p.outputBytesCap != null && p.disableOutputCap) throw invalidParams('command/exec cannot set both outputBytesCap and disableOutputCap');

    const conn = this.connections.get(subscriber.id) ?? new Map<string, Session>();
    const key = p.processId != null ? `client:${p.processId}` : `internal:${++this.internalSeq}`;
    if (conn.has(key)) throw invalidRequest(`duplicate active command/exec process id: ${JSON.stringify(p.processId)}`);
    if (conn.size >= MAX_COMMAND_EXEC_PER_CONNECTION || this.total >= MAX_COMMAND_EXEC_TOTAL) throw overloaded();

    const cwd = path.resolve(this.deps.defaultCwd, p.cwd ?? '.');
    if (!isDirectory(cwd)) throw spawnFailed(`working directory ${cwd} does not exist or is not a directory`);
    const policy = p.sandboxPolicy ?? this.deps.defaultPolicy();
    const hardening = this.deps.hardening ?? NO_HARDENING;
    const env = shellEnv(process.env, !policyNetworkAccess(policy), hardening.envPolicy, hardening.secrets());
    for (const [name, value] of Object.entries(p.env ?? {})) {
      if (value === null) delete env[name];
      else env[name] = value;
    }
    const built = buildSandboxedCommand({ policy, cwd, argv: p.command, env, bwrapPath: this.deps.bwrapPath, hardening });
    if (built instanceof SandboxUnavailableError) throw new RpcError(ErrorCode.InternalError, built.message);
    const pty = tty ? loadPty() : null;
    if (tty && !pty) throw invalidRequest('tty is not supported on this server: the @lydell/node-pty package is not installed for this platform');

    const cap = p.disableOutputCap ? (streamOutput ? Infinity : BUFFERED_CAPTURE_CEILING) : (p.outputBytesCap ?? COMMAND_EXEC_DEFAULT_OUTPUT_CAP);
    const sink = (stream: CommandExecOutputStream) =>
      new OutputSink(
        cap,
        streamOutput
          ? (delta, capReached) =>
              subscriber.notify({
                method: 'command/exec/outputDelta',
                params: { processId: p.processId ?? '', stream, deltaBase64: delta.toString('base64'), capReached },
              })
          : null,
      );
    const sinks = { stdout: sink('stdout'), stderr: sink('stderr') };
    const spec: SpawnSpec = {
      file: built.file,
      args: built.args,
      cwd,
      env,
      stdin: streamStdin,
      onOutput: (chunk, stream) => sinks[stream].push(chunk),
    };

    // Registered before the spawn settles, so a racing duplicate or a follow-up call sees the session.
    const spawned: Promise<ExecProcess> = pty
      ? new Promise((resolve) => resolve(spawnPty(pty, { ...spec, size: p.size ?? DEFAULT_TTY_SIZE })))
      : spawnPiped(spec);
    const session: Session = { tty, streamStdin, stdinClosed: false, ready: spawned.catch(() => null) };
    conn.set(key, session);
    this.connections.set(subscriber.id, conn);
    this.total++;
    const unregister = () => {
      if (conn.get(key) !== session) return;
      conn.delete(key);
      this.total--;
      if (conn.size === 0 && this.connections.get(subscriber.id) === conn) this.connections.delete(subscriber.id);
    };

    let proc: ExecProcess;
    try {
      proc = await spawned;
    } catch (e) {
      unregister();
      throw spawnFailed((e as Error).message);
    }
    session.proc = proc;
    let timedOut = false;
    const timeoutMs = p.disableTimeout ? null : Math.min(p.timeoutMs ?? COMMAND_EXEC_DEFAULT_TIMEOUT_MS, MAX_TIMER_MS);
    const timer =
      timeoutMs === null
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            proc.kill();
          }, timeoutMs);
    try {
      const exit = await proc.done;
      const exitCode = timedOut ? TIMEOUT_EXIT_CODE : (exit.code ?? 128 + exit.signal);
      return { exitCode, stdout: sinks.stdout.text(), stderr: sinks.stderr.text() };
    } finally {
      clearTimeout(timer);
      unregister();
    }
  }

  async write(p: CommandExecWriteParams, subscriber: Subscriber): Promise<Record<string, never>> {
    if (p.deltaBase64 == null && !p.closeStdin) throw invalidParams('command/exec/write requires deltaBase64 or closeStdin');
    if (p.deltaBase64 != null && !BASE64.test(p.deltaBase64)) throw invalidParams('invalid deltaBase64: not valid base64');
    const bytes = p.deltaBase64 != null ? Buffer.from(p.deltaBase64, 'base64') : null;
    const session = this.session(subscriber, p.processId);
    if (!session.streamStdin) throw invalidRequest('stdin streaming is not enabled for this command/exec');
    const proc = await this.process(session, p.processId);
    if (bytes && bytes.length > 0) {
      if (session.stdinClosed) throw invalidRequest('stdin is already closed');
      if (proc.stdinBacklog() + bytes.length > MAX_STDIN_BACKLOG) throw overloaded();
      proc.write(bytes);
    }
    if (p.closeStdin && !session.stdinClosed) {
      session.stdinClosed = true;
      proc.closeStdin();
    }
    return {};
  }

  async resize(p: CommandExecResizeParams, subscriber: Subscriber): Promise<Record<string, never>> {
    const session = this.session(subscriber, p.processId);
    if (!session.tty) throw invalidRequest('failed to resize PTY: process is not attached to a PTY');
    (await this.process(session, p.processId)).resize(p.size);
    return {};
  }

  async terminate(p: CommandExecTerminateParams, subscriber: Subscriber): Promise<Record<string, never>> {
    (await this.process(this.session(subscriber, p.processId), p.processId)).kill(true);
    return {};
  }

  /** The connection went away: its processes die with it (their responses have nowhere to go). */
  dropConnection(subscriber: Subscriber): void {
    for (const session of this.connections.get(subscriber.id)?.values() ?? []) killSession(session);
  }

  /** Server shutdown. */
  stopAll(): void {
    for (const conn of this.connections.values()) for (const session of conn.values()) killSession(session);
  }

  private session(subscriber: Subscriber, processId: string): Session {
    const session = this.connections.get(subscriber.id)?.get(`client:${processId}`);
    if (!session) throw noActive(processId);
    return session;
  }

  private async process(session: Session, processId: string): Promise<ExecProcess> {
    const proc = await session.ready;
    if (!proc) throw noActive(processId);
    return proc;
  }
}

function killSession(session: Session): void {
  if (session.proc) session.proc.kill(true);
  else void session.ready.then((proc) => proc?.kill(true));
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
