// A browser tab that stops reading its tRPC WebSocket while turns stream megabytes must not make the
// server buffer without bound (docs/architecture.md#bounded-everything): past the bound the server closes it with
// 1008, and the browser's own tRPC client (set up as components/providers.tsx does) reconnects and
// resumes from its last event ids with nothing lost or doubled.
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import type { AppRouter } from '../../server/trpc/router';
import { sse, type OutputSpec } from '../../testkit/responses-sse';
import { startTcpProxy } from '../../testkit/tcp-proxy';
import { memoryOf, MessageFold, startThread, startTrpcServe, startTurn, TrpcSocket, type TrpcServe, type Tracked } from '../support/trpc-ws';

// Each turn runs on a new thread: 2 MiB of text that reaches the tab three times (deltas,
// item/completed, turn/completed). Many modest turns rather than a few huge ones: the SSE parser's
// cost grows with the square of a line. The tab keeps only the last two threads subscribed and they
// unload (thread_unload_grace_s = 0), so what the server holds by design stays small next to what a
// stalled socket would buffer.
const DELTA_BYTES = 128 * 1024;
const DELTAS_PER_TURN = 16;
const BIG_TURNS = 48; // about 290 MiB to the stalled tab, over four times the bound
const WINDOW = 2;
const TURN_TIMEOUT_MS = 60_000;
const SLOW_CLOSE_LOG = /consumer too slow/;

/** Turn `i`'s assistant message, as deltas that name their place (a doubled or lost one shows). */
function deltasOf(i: number, count: number, size: number): string[] {
  return Array.from({ length: count }, (_, j) => {
    const head = `[t${i}.${j}]`;
    return head + 'x'.repeat(size - head.length);
  });
}

function messageReply(itemId: string, deltas: string[]) {
  const text = deltas.join('');
  const item = { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
  const spec: OutputSpec = {
    item,
    events: (output_index) => [
      { type: 'response.output_item.added', output_index, item: { id: itemId, type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
      { type: 'response.content_part.added', item_id: itemId, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
      ...deltas.map((delta) => ({ type: 'response.output_text.delta', item_id: itemId, output_index, content_index: 0, delta })),
      { type: 'response.output_text.done', item_id: itemId, output_index, content_index: 0, text },
      { type: 'response.content_part.done', item_id: itemId, output_index, content_index: 0, part: { type: 'output_text', text, annotations: [] } },
      { type: 'response.output_item.done', output_index, item },
    ],
  };
  return { reply: sse.response([spec]), text };
}

interface BrowserTab {
  /** Frames the client sent, per WebSocket it opened. */
  sent: string[][];
  closes: { code: number; reason: string }[];
  /** Per thread: the last tracked id received before the first close. */
  lastIdsAtClose: Map<string, string> | null;
  folds: Map<string, MessageFold>;
  /** Threads with a subscription open. */
  active: Set<string>;
  errors: unknown[];
  subscribe(threadId: string): void;
  unsubscribe(threadId: string): void;
  changed(): Promise<void>;
}

/** The browser's tRPC client, with the options components/providers.tsx gives it, over `ws`. */
function openBrowserTab(t: TestContext, s: TrpcServe, url: string, finalOf: (itemId: string) => string | undefined): BrowserTab {
  const sent: string[][] = [];
  const closes: { code: number; reason: string }[] = [];
  const lastIds = new Map<string, string>();
  const subs = new Map<string, { unsubscribe(): void }>();
  let wake: (() => void)[] = [];
  const notify = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  class BrowserSocket extends WebSocket {
    constructor(address: string) {
      // A page loaded through the proxy: its Origin is the proxy's (the server checks it against Host).
      super(address, { headers: { ...s.headers, Origin: new URL(address).origin.replace(/^ws/, 'http') } });
      const frames: string[] = [];
      sent.push(frames);
      const send = this.send.bind(this);
      this.send = ((data: string) => {
        frames.push(String(data));
        send(data);
      }) as typeof this.send;
    }
  }
  const tab: BrowserTab = {
    sent,
    closes,
    lastIdsAtClose: null,
    folds: new Map(),
    active: new Set(),
    errors: [],
    subscribe(threadId) {
      const fold = new MessageFold();
      tab.folds.set(threadId, fold);
      tab.active.add(threadId);
      const sub = client.thread.onEvents.subscribe(
        { threadId },
        {
          onData: (raw) => {
            const e = raw as unknown as Tracked;
            lastIds.set(threadId, e.id);
            fold.apply(e, finalOf);
            notify();
          },
          onError: (err) => tab.errors.push(err),
        },
      );
      subs.set(threadId, sub);
    },
    unsubscribe(threadId) {
      subs.get(threadId)?.unsubscribe();
      subs.delete(threadId);
      tab.active.delete(threadId);
    },
    changed: () => new Promise<void>((resolve) => wake.push(resolve)),
  };
  const wsClient = createWSClient({
    url,
    WebSocket: BrowserSocket as unknown as typeof globalThis.WebSocket,
    retryDelayMs: (attempt) => Math.min(250 * 2 ** attempt, 5000),
    lazy: { enabled: true, closeMs: 0 },
    onClose: (cause) => {
      const c = cause as { code?: number; reason?: string } | undefined;
      closes.push({ code: c?.code ?? 0, reason: String(c?.reason ?? '') });
      tab.lastIdsAtClose ??= new Map(lastIds);
      notify();
    },
  });
  const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  t.after(async () => {
    for (const threadId of [...subs.keys()]) tab.unsubscribe(threadId);
    await wsClient.close();
  });
  return tab;
}

async function waitFor(tab: BrowserTab, done: () => boolean, what: string, timeoutMs = TURN_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for ${what}; tab errors: ${tab.errors.map(String).join('; ') || 'none'}, closes: ${JSON.stringify(tab.closes)}`);
    await Promise.race([tab.changed(), new Promise((r) => setTimeout(r, Math.min(left, 200)))]);
  }
}

/** The first subscription frame per thread the tab sent after its first WebSocket: thread → lastEventId. */
function resubscriptions(tab: BrowserTab): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const frame of tab.sent.slice(1).flat()) {
    for (const m of [JSON.parse(frame) as unknown].flat() as { method?: string; params?: { input?: { threadId?: string }; lastEventId?: string } }[]) {
      const threadId = m.params?.input?.threadId;
      if (m.method === 'subscription' && threadId && !out.has(threadId)) out.set(threadId, m.params?.lastEventId);
    }
  }
  return out;
}

type Memory = { rssMiB: number; peakMiB: number };

interface Outcome {
  baseline: Memory;
  end: Memory;
  tab: BrowserTab;
  /** Stalled runs: how the server closed the tab and how it came back. */
  close: { afterTurn: number; memory: Memory; active: string[]; resubscribed: Map<string, string | undefined>; connections: number } | null;
  /** Items the tab must show exactly (the threads it is subscribed to), by id. */
  mustShow: () => [string, string][];
}

/** One server; a browser tab behind a proxy, stalled or not, while BIG_TURNS turns stream megabytes. */
async function scenario(t: TestContext, stall: boolean): Promise<Outcome> {
  const s = await startTrpcServe(t, { args: ['-c', 'thread_unload_grace_s=0'] });
  const pid = s.server.proc.pid!;
  const proxy = await startTcpProxy(s.port);
  t.after(() => proxy.close());
  const expected = new Map<string, { threadId: string; text: string }>();
  const tab = openBrowserTab(t, s, `ws://127.0.0.1:${proxy.port}/api/trpc`, (id) => expected.get(id)?.text);
  // An uninterrupted reader straight to the server: it says when a turn is done.
  const observer = await TrpcSocket.open(s, { keep: false });
  t.after(() => observer.close());
  const threads: string[] = [];
  const mustShow = () => [...expected].filter(([, e]) => tab.active.has(e.threadId)).map(([id, e]): [string, string] => [id, e.text]);
  const caughtUp = () => mustShow().every(([id, text]) => tab.folds.get(expected.get(id)!.threadId)?.texts.get(id) === text);

  const runTurn = async (i: number, deltas: string[]) => {
    const threadId = await startThread(s);
    threads.push(threadId);
    observer.subscribe(i + 1, 'thread.onEvents', { threadId });
    tab.subscribe(threadId);
    const itemId = `msg_t${i}`;
    const { reply, text } = messageReply(itemId, deltas);
    expected.set(itemId, { threadId, text });
    s.mock.enqueue(reply);
    const turnId = await startTurn(s, threadId, `turn ${i}`);
    await observer.turnCompleted(turnId, TURN_TIMEOUT_MS);
    observer.unsubscribe(i + 1);
    // The tab leaves older threads (as it does when the user moves on); idle, they unload.
    if (i > WINDOW) tab.unsubscribe(threads[i - WINDOW]!);
  };

  // Warm-up: the tab's WebSocket is open and live before it stalls; it stays on this thread throughout.
  await runTurn(0, deltasOf(0, 4, 256));
  await waitFor(tab, caughtUp, 'the warm-up turn on the tab');
  const baseline = memoryOf(pid);
  if (stall) proxy.stall();

  let close: Outcome['close'] = null;
  for (let i = 1; i <= BIG_TURNS; i++) {
    await runTurn(i, deltasOf(i, DELTAS_PER_TURN, DELTA_BYTES));
    if (stall && close === null && SLOW_CLOSE_LOG.test(s.server.stderr)) {
      const memory = memoryOf(pid);
      const active = [...tab.active];
      // The tab reads again: it drains what was sent before the close, sees the close, reconnects
      // and resubscribes; turns go on once it caught up.
      proxy.resume();
      await waitFor(tab, () => tab.closes.length > 0, 'the tab to see the close');
      await waitFor(tab, () => active.every((id) => resubscriptions(tab).has(id)), 'the tab to resubscribe on a new WebSocket');
      await waitFor(tab, caughtUp, 'the tab to catch up after reconnecting');
      close = { afterTurn: i, memory, active, resubscribed: resubscriptions(tab), connections: proxy.connections };
    }
  }
  const end = memoryOf(pid);
  if (stall && close === null) proxy.resume();
  await waitFor(tab, caughtUp, 'the tab to catch up');
  const mib = (DELTA_BYTES * DELTAS_PER_TURN) / 2 ** 20;
  t.diagnostic(`${stall ? 'stalled' : 'reading'} tab: RSS ${baseline.rssMiB} MiB before, ${close ? `${close.memory.rssMiB} MiB at the close (after turn ${close.afterTurn}), ` : ''}${end.rssMiB} MiB after ${BIG_TURNS} turns of ${mib} MiB; peak ${end.peakMiB} MiB`);
  return { baseline, end, tab, close, mustShow };
}

test('a browser tab that stops reading is closed with 1008 and resumes from its last event ids', { timeout: 600_000 }, async (t) => {
  const control = await scenario(t, false);
  assert.equal(control.tab.closes.length, 0, 'a tab that reads is never closed');

  const stalled = await scenario(t, true);
  const controlGrowth = control.end.peakMiB - control.baseline.rssMiB;
  const stalledGrowth = stalled.end.peakMiB - stalled.baseline.rssMiB;
  t.diagnostic(`peak RSS growth: ${controlGrowth} MiB with a reading tab, ${stalledGrowth} MiB with a stalled one`);

  const close = stalled.close;
  assert.ok(close, `the server never closed the stalled tab (peak RSS ${stalled.end.peakMiB} MiB vs ${control.end.peakMiB} MiB with a reading tab)`);
  // The close frame waited behind what was already buffered; the tab saw it once it had read that.
  assert.deepEqual(stalled.tab.closes[0], { code: 1008, reason: 'consumer too slow' });
  // Bounded: a stalled tab costs at most the 64 MiB bound (with the overhead of what it buffers)
  // over a reading one; unbounded, it held everything sent to it.
  assert.ok(stalledGrowth <= controlGrowth + 250, `peak RSS grew ${stalledGrowth} MiB with a stalled tab, ${controlGrowth} MiB with a reading one`);

  // The tab reconnected on its own (tRPC's client: a subscription made during the retry delay opens a
  // socket the retry then replaces, so there may be one connection more) and resubscribed every
  // thread it was on, each from the last event id it had received.
  assert.ok(close.connections >= 2, 'the tab reconnected');
  assert.ok(close.active.length > 1);
  for (const threadId of close.active) {
    assert.ok(close.resubscribed.has(threadId), `thread ${threadId} resubscribed`);
    assert.equal(close.resubscribed.get(threadId), stalled.tab.lastIdsAtClose!.get(threadId), `thread ${threadId} resumed from its last event id`);
  }
  // Nothing lost, nothing doubled: every text the tab built was a prefix of the final one all along,
  // equal to it at item/completed, and in order; its open threads show the scripted texts.
  for (const o of [control, stalled]) {
    for (const [threadId, fold] of o.tab.folds) assert.deepEqual(fold.problems, [], `thread ${threadId} (${fold.problemCount} problems)`);
    assert.ok(o.mustShow().length > 1);
  }
});
