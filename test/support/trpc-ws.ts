/**
 * The browser's channel from a test: `serve` on a temp home with a scripted mock Responses provider,
 * tRPC mutations over HTTP (bearer token + the same-origin headers writes need) and the tRPC
 * WebSocket wire protocol on /api/trpc (`{id, method: 'subscription', params: {path, input}}` out,
 * `{id, result: {type: 'started' | 'data' | 'stopped'}}` back).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer } from '../../testkit/mock-responses-server';
import { READ_TIMEOUT_MS } from './rpc-client';
import { httpRequest } from './serve-process';
import { ServerProcess } from './server-process';

const SERVE_START_MS = 30_000;

export interface TrpcServe {
  server: ServerProcess;
  mock: MockResponsesServer;
  port: number;
  base: string;
  wsUrl: string;
  token: string;
  work: string;
  /** Headers a same-origin browser page would send (the bearer token stands in for the cookie). */
  headers: Record<string, string>;
}

/** `serve --port 0` on a fresh home whose provider is a scripted mock; everything removed after the test. */
export async function startTrpcServe(
  t: TestContext,
  opts: { env?: Record<string, string>; args?: string[]; config?: (mock: MockResponsesServer) => string | Promise<string> } = {},
): Promise<TrpcServe> {
  const mock = await startMockResponsesServer();
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-trpc-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-trpc-work-'));
  const config = opts.config ? await opts.config(mock) : mockProviderConfig({ baseUrl: mock.url, approvalPolicy: 'never', sandbox: 'read-only' });
  writeFileSync(path.join(home, 'config.toml'), config);
  const server = new ServerProcess({ home, command: 'serve', args: ['--host', '127.0.0.1', '--port', '0', ...(opts.args ?? [])], env: opts.env });
  t.after(async () => {
    await server.kill();
    await mock.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  const port = Number((await server.waitForStderr(/serving http:\/\/\S+:(\d+) /, SERVE_START_MS))[1]);
  const link = (await server.waitForStderr(/Login link: (http:\/\/\S+)/, SERVE_START_MS))[1]!;
  const token = new URL(link).searchParams.get('token')!;
  const base = `http://127.0.0.1:${port}`;
  return { server, mock, port, base, wsUrl: `ws://127.0.0.1:${port}/api/trpc`, token, work, headers: { Authorization: `Bearer ${token}`, Origin: base } };
}

/** A tRPC mutation over HTTP, non-batched, as the browser's httpBatchLink sends one. */
export async function trpcMutation<T>(s: TrpcServe, procedurePath: string, input: unknown): Promise<T> {
  const res = await httpRequest(`${s.base}/api/trpc/${procedurePath}`, {
    method: 'POST',
    headers: { ...s.headers, 'x-codex-web': '1', 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  assert.equal(res.status, 200, `${procedurePath}: ${res.body}${s.server.stderrTail()}`);
  return (JSON.parse(res.body) as { result: { data: T } }).result.data;
}

export async function startThread(s: TrpcServe): Promise<string> {
  return (await trpcMutation<{ id: string }>(s, 'thread.start', { cwd: s.work })).id;
}

export async function startTurn(s: TrpcServe, threadId: string, text: string): Promise<string> {
  return (await trpcMutation<{ turn: { id: string } }>(s, 'turn.start', { threadId, input: [{ type: 'text', text }] })).turn.id;
}

/** VmRSS and VmHWM (peak) of a process, in MiB, from /proc. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMiB: Math.round(kb('VmRSS') / 1024), peakMiB: Math.round(kb('VmHWM') / 1024) };
}

export interface Notification {
  method: string;
  params: Record<string, unknown> & { turn?: { id: string }; item?: { id: string; type: string; text?: string }; itemId?: string; delta?: string };
}

/** What `thread.onEvents` carries (server/trpc/router.ts ThreadStreamEvent). */
export type StreamEvent =
  | { type: 'snapshot'; thread: { turns: { id: string; items: { id: string; type: string; text?: string }[] }[] } }
  | { type: 'event'; notification: Notification }
  | { type: 'serverRequest'; requestId: string; method: string; params: unknown };

export interface Tracked {
  id: string;
  data: StreamEvent;
}

/** One raw tRPC WebSocket (a `ws` client) and the tracked events of its subscriptions. */
export class TrpcSocket {
  /** Every tracked event by subscription id (unless opened with `keep: false`). */
  readonly events = new Map<number, Tracked[]>();
  readonly completedTurns = new Set<string>();
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(
    readonly ws: WebSocket,
    private readonly keep: boolean,
    private readonly onData?: (subId: number, e: Tracked) => void,
  ) {
    ws.on('message', (raw) => {
      const text = raw.toString();
      if (text === 'PING' || text === 'PONG') return;
      const msg = JSON.parse(text) as { id: number; result?: { type: string; id?: string; data?: Tracked }; error?: unknown };
      if (msg.result?.type === 'data') {
        const e = msg.result.data!;
        if (this.keep) {
          const list = this.events.get(msg.id) ?? [];
          list.push(e);
          this.events.set(msg.id, list);
        }
        if (e.data?.type === 'event' && e.data.notification.method === 'turn/completed') this.completedTurns.add(e.data.notification.params.turn!.id);
        this.onData?.(msg.id, e);
      }
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }

  static open(s: TrpcServe, opts: { keep?: boolean; onData?: (subId: number, e: Tracked) => void } = {}): Promise<TrpcSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(s.wsUrl, { headers: s.headers, handshakeTimeout: READ_TIMEOUT_MS });
      ws.once('open', () => resolve(new TrpcSocket(ws, opts.keep ?? true, opts.onData)));
      ws.once('error', reject);
    });
  }

  subscribe(id: number, procedurePath: string, input: unknown, lastEventId?: string): void {
    this.ws.send(JSON.stringify({ id, method: 'subscription', params: { path: procedurePath, input, ...(lastEventId ? { lastEventId } : {}) } }));
  }

  unsubscribe(id: number): void {
    this.ws.send(JSON.stringify({ id, method: 'subscription.stop' }));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `done()` holds, the socket closes, or the timeout passes (then throws `what`). */
  async until(done: () => boolean, what: string, timeoutMs = READ_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  notifications(subId: number): Notification[] {
    return (this.events.get(subId) ?? []).flatMap((e) => (e.data.type === 'event' ? [e.data.notification] : []));
  }

  /** Resolves once this socket saw `turn/completed` for `turnId`. */
  turnCompleted(turnId: string, timeoutMs = READ_TIMEOUT_MS): Promise<void> {
    return this.until(() => this.completedTurns.has(turnId), `turn/completed ${turnId}`, timeoutMs);
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * A thread's agent messages as a browser store builds them from the stream (snapshot, then
 * item/started, deltas, item/completed), checking what the UI promises: at every point an item's
 * text is a prefix of its final text, and at item/completed it is exactly the final text.
 */
export class MessageFold {
  readonly texts = new Map<string, string>();
  readonly finals = new Map<string, string>();
  /** The first few problems (of `problemCount`): one doubled item would repeat on every delta. */
  readonly problems: string[] = [];
  problemCount = 0;
  private lastSeq = -1;
  private epoch: string | null = null;

  apply(e: Tracked, finalOf: (itemId: string) => string | undefined): void {
    const [epoch, seqText] = e.id.split(':');
    const seq = Number(seqText);
    if (epoch === this.epoch && e.data.type !== 'serverRequest') {
      const fresh = e.data.type === 'snapshot' ? seq >= this.lastSeq : seq > this.lastSeq;
      if (!fresh) this.problem(`event ${e.id} after ${this.epoch}:${this.lastSeq}: doubled or out of order`);
    }
    this.epoch = epoch ?? null;
    this.lastSeq = seq;
    if (e.data.type === 'snapshot') {
      this.texts.clear();
      for (const turn of e.data.thread.turns) for (const item of turn.items) if (item.type === 'agentMessage') this.texts.set(item.id, item.text ?? '');
      for (const [id, text] of this.texts) this.checkPrefix(id, text, finalOf, 'snapshot');
      return;
    }
    if (e.data.type !== 'event') return;
    const n = e.data.notification;
    if (n.method === 'item/started' && n.params.item?.type === 'agentMessage') {
      this.texts.set(n.params.item.id, n.params.item.text ?? '');
      this.checkPrefix(n.params.item.id, n.params.item.text ?? '', finalOf, 'item/started');
    } else if (n.method === 'item/agentMessage/delta') {
      const id = n.params.itemId!;
      const text = (this.texts.get(id) ?? '') + n.params.delta;
      this.texts.set(id, text);
      this.checkPrefix(id, text, finalOf, 'delta');
    } else if (n.method === 'item/completed' && n.params.item?.type === 'agentMessage') {
      const { id, text = '' } = n.params.item;
      const streamed = this.texts.get(id) ?? '';
      if (streamed !== text) this.problem(`${id}: streamed ${describe(streamed)} but completed with ${describe(text)}`);
      this.texts.set(id, text);
      this.finals.set(id, text);
    }
  }

  private problem(text: string): void {
    if (this.problemCount++ < 5) this.problems.push(text);
  }

  private checkPrefix(id: string, text: string, finalOf: (itemId: string) => string | undefined, where: string): void {
    const final = finalOf(id);
    if (final !== undefined && !final.startsWith(text)) this.problem(`${id} after ${where}: ${describe(text)} is not a prefix of the final text ${describe(final)}`);
  }
}

function describe(text: string): string {
  return text.length <= 60 ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, 40))}… (${text.length} chars)`;
}
