import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

/** A JSON-RPC client over a child's stdio: one JSON object per line. Every wait has a timeout. */
export interface SpawnSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Timed<T> {
  result: T;
  ms: number;
}

interface Pending {
  t0: number;
  resolve: (v: Timed<unknown>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** A notification (`method`, no `id`) or a server-initiated request (`method` and `id`), with its arrival time. */
export interface Incoming {
  method: string;
  params: Record<string, unknown>;
  id?: number | string;
  at: number;
}

export class StdioRpc {
  readonly child: ChildProcess;
  /** Called for every notification and server request, in arrival order. */
  onMessage: ((msg: Incoming) => void) | null = null;
  readonly spawnedAt: number;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;
  private stderrTail = '';

  constructor(spec: SpawnSpec) {
    this.spawnedAt = performance.now();
    this.child = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const lines = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    lines.on('line', (line) => this.onLine(line));
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    this.child.stdin!.on('error', () => undefined);
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      const err = new Error(`server exited (code ${code}, signal ${signal}); stderr tail: ${this.stderrTail.trim().slice(-500)}`);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
    });
  }

  private onLine(line: string): void {
    const at = performance.now();
    let msg: { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: { code: number; message: string } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    // Notifications and server-initiated requests carry a method; only responses settle our requests.
    if (typeof msg.method === 'string') {
      this.onMessage?.({ method: msg.method, params: (msg.params ?? {}) as Record<string, unknown>, id: msg.id as number | string | undefined, at });
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.error) p.reject(new Error(`JSON-RPC error ${msg.error.code}: ${msg.error.message}`));
    else p.resolve({ result: msg.result, ms: at - p.t0 });
  }

  /** Sends a request; `ms` is the time from writing the line to reading its response line. */
  request<T>(method: string, params: unknown, timeoutMs: number, t0?: number): Promise<Timed<T>> {
    if (this.exited) return Promise.reject(new Error(`server already exited; stderr tail: ${this.stderrTail.trim().slice(-500)}`));
    const id = this.nextId++;
    return new Promise<Timed<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { t0: t0 ?? performance.now(), resolve: resolve as (v: Timed<unknown>) => void, reject, timer });
      this.child.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  /** Answers a server-initiated request. */
  respond(id: number | string, result: unknown): void {
    this.child.stdin!.write(`${JSON.stringify({ id, result })}\n`);
  }

  notify(method: string, params?: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(params === undefined ? { method } : { method, params })}\n`);
  }

  /** initialize + initialized; `ms` is measured from spawn, i.e. startup to `initialize` answered. */
  async handshake(timeoutMs: number, capabilities?: Record<string, unknown>): Promise<number> {
    const params = { clientInfo: { name: 'bench', version: '0.1.0' }, ...(capabilities ? { capabilities } : {}) };
    const { ms } = await this.request('initialize', params, timeoutMs, this.spawnedAt);
    this.notify('initialized');
    return ms;
  }

  /** Closes stdin and waits for exit; SIGTERM then SIGKILL if the child lingers. */
  async close(graceMs = 3000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin!.end();
    const waitFor = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    if (await waitFor(graceMs)) return;
    this.child.kill('SIGTERM');
    if (await waitFor(graceMs)) return;
    this.child.kill('SIGKILL');
    await waitFor(graceMs);
  }
}
