/**
 * The pinned reference app-server (`codex app-server`, stdio JSON-RPC) run as an oracle on a temporary
 * CODEX_HOME whose model provider is a mock Responses server: tests drive it to produce real rollouts
 * (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-*.jsonl`) and read back its own view of them.
 *
 *   const ref = await startReferenceAppServer({ codex: referencePaths().codex, home, providerUrl: mock.url });
 *   const { thread } = await ref.request('thread/start', { cwd });
 *   await ref.turn(thread.id, 'hello');            // turn/start, then waits for turn/completed
 *   await ref.request('thread/read', { threadId: thread.id, includeTurns: true });
 *   await ref.close();
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { mockProviderConfig } from './mock-provider-config';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export interface ReferenceAppServer {
  proc: ChildProcess;
  request<T = Record<string, unknown>>(method: string, params: unknown, timeoutMs?: number): Promise<T>;
  /** Resolves with the first notification of `method` (after this call) that `match` accepts. */
  waitFor(method: string, match?: (params: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** turn/start with one text input; resolves once its turn/completed arrived. */
  turn(threadId: string, text: string): Promise<void>;
  stderr(): string;
  close(): Promise<void>;
}

export async function startReferenceAppServer(o: { codex: string; home: string; providerUrl: string; extraConfig?: string }): Promise<ReferenceAppServer> {
  writeFileSync(path.join(o.home, 'config.toml'), mockProviderConfig({ baseUrl: o.providerUrl, extra: o.extraConfig }));
  const env: NodeJS.ProcessEnv = { ...process.env, CODEX_HOME: o.home, RUST_LOG: 'error' };
  delete env.OPENAI_API_KEY;
  const proc = spawn(o.codex, ['app-server'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (c: string) => {
    stderr = (stderr + c).slice(-20_000);
  });
  const pending = new Map<number, Pending>();
  const waiters: { method: string; match: (p: Record<string, unknown>) => boolean; resolve: (p: Record<string, unknown>) => void }[] = [];
  let nextId = 1;
  const rl = createInterface({ input: proc.stdout! });
  rl.on('line', (line) => {
    let msg: { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { message: string } };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (msg.method && msg.id !== undefined) {
      // A server request (approval): decline; the tests' turns never need one.
      proc.stdin!.write(`${JSON.stringify({ id: msg.id, result: { decision: 'decline' } })}\n`);
      return;
    }
    if (msg.method) {
      for (let i = 0; i < waiters.length; i++) {
        const w = waiters[i]!;
        if (w.method === msg.method && w.match(msg.params ?? {})) {
          waiters.splice(i, 1);
          w.resolve(msg.params ?? {});
          break;
        }
      }
      return;
    }
    if (typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (!p) return;
      if (msg.error) p.reject(new Error(`reference: ${msg.error.message}`));
      else p.resolve(msg.result);
    }
  });
  const request = <T>(method: string, params: unknown, timeoutMs = 30_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`reference ${method} timed out\n${stderr.slice(-2000)}`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      proc.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  const waitFor = (method: string, match: (p: Record<string, unknown>) => boolean = () => true, timeoutMs = 30_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`reference: no ${method} within ${timeoutMs} ms\n${stderr.slice(-2000)}`)), timeoutMs);
      waiters.push({
        method,
        match,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      });
    });
  await request('initialize', { clientInfo: { name: 'codex-web-test', title: null, version: '0' }, capabilities: { experimentalApi: true } });
  proc.stdin!.write(`${JSON.stringify({ method: 'initialized' })}\n`);
  return {
    proc,
    request,
    waitFor,
    async turn(threadId, text) {
      const done = waitFor('turn/completed', (p) => p.threadId === threadId, 60_000);
      await request('turn/start', { threadId, input: [{ type: 'text', text, text_elements: [] }] });
      await done;
    },
    stderr: () => stderr,
    async close() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.stdin!.end();
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
