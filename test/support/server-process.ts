import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { READ_TIMEOUT_MS, RpcClient } from './rpc-client';

/** The real built server (scripts/run-tests.mjs builds it first). */
export const SERVER_ENTRY = fileURLToPath(new URL('../../dist/codex-web.mjs', import.meta.url));

const live = new Set<ChildProcess>();
// Safety net: never leave a server running after the test file's process ends.
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  home: string;
  /** Defaults to `app-server`. */
  command?: 'app-server' | 'serve';
  /** Arguments after `<command> --home HOME`. */
  args?: string[];
  env?: Record<string, string>;
  /** The server's working directory (its default workspace); defaults to the test runner's. */
  cwd?: string;
}

/** One `codex-web app-server` (or `serve`) process with its stderr captured. */
export class ServerProcess {
  readonly proc: ChildProcess;
  private stderrText = '';
  private stderrWaiters: (() => void)[] = [];
  readonly exited: Promise<ExitStatus>;
  exitStatus: ExitStatus | null = null;

  constructor(opts: SpawnOptions) {
    if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing; run node scripts/build-server.mjs`);
    // The server must see only what the test chose, never the developer's own home or log level.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CODEX_HOME;
    delete env.CODEX_WEB_LOG;
    Object.assign(env, opts.env);
    this.proc = spawn(process.execPath, [SERVER_ENTRY, opts.command ?? 'app-server', '--home', opts.home, ...(opts.args ?? [])], {
      env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(this.proc);
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      this.stderrText += chunk;
      const w = this.stderrWaiters;
      this.stderrWaiters = [];
      for (const f of w) f();
    });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        live.delete(this.proc);
        this.exitStatus = { code, signal };
        const w = this.stderrWaiters;
        this.stderrWaiters = [];
        for (const f of w) f();
        resolve(this.exitStatus);
      });
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  get running(): boolean {
    return this.exitStatus === null;
  }

  stderrTail(): string {
    const tail = this.stderrText.slice(-2000);
    return tail ? `\n--- server stderr (tail) ---\n${tail}` : '';
  }

  /** Resolves with the first stderr match; rejects if the process exits first or on timeout. */
  async waitForStderr(pattern: RegExp, timeoutMs = READ_TIMEOUT_MS): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stderrText.match(pattern);
      if (m) return m;
      if (this.exitStatus) throw new Error(`server exited (${JSON.stringify(this.exitStatus)}) before printing ${pattern}${this.stderrTail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern} on stderr${this.stderrTail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.stderrWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForExit(timeoutMs = READ_TIMEOUT_MS): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`server did not exit within ${timeoutMs} ms${this.stderrTail()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills the process (SIGKILL by default: a crash, nothing gets flushed) and waits for it. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    this.proc.kill(signal);
    return this.waitForExit();
  }
}

/** A client speaking to a server over its stdin/stdout (one JSON message per line). */
export class StdioClient extends RpcClient {
  constructor(readonly server: ServerProcess) {
    super();
    const lines = createInterface({ input: server.proc.stdout!, crlfDelay: Infinity });
    lines.on('line', (line) => this.acceptText(line));
    void server.exited.then((s) => this.markClosed(`server exited ${JSON.stringify(s)}`));
    // Writes after the server died must fail the read that follows, not crash the test file.
    server.proc.stdin!.on('error', (err) => this.markClosed(`stdin: ${err.message}`));
  }

  protected sendText(text: string): void {
    this.server.proc.stdin!.write(text + '\n');
  }

  protected context(): string {
    return this.server.stderrTail();
  }
}

/** Spawns `app-server` on stdio and returns a client bound to it. */
export function startStdioServer(opts: SpawnOptions): StdioClient {
  return new StdioClient(new ServerProcess(opts));
}
