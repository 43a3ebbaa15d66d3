// Over 400 lines on purpose: the store alone, then the same store fed by the real server stream across reconnects.
// The browser's thread store (components/state/thread-store.ts): snapshots, events, deltas, repeated and
// out-of-order events, and reconnects. The last tests feed it from the real server stream
// (services/threads/stream.ts over a real ThreadService on a temp SQLite file): a client that reconnects
// (replayed from the ring, or given a snapshot) must end up showing what an uninterrupted client shows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { ThreadStore } from '../../components/state/thread-store';
import { openDb } from '../../db/client';
import { GroupCommitWriter } from '../../db/writer';
import { loadConfig } from '../../server/config/load';
import type { ServerNotification } from '../../server/protocol/notifications';
import type { Thread } from '../../server/protocol/thread';
import type { ThreadItem, Turn } from '../../server/protocol/turn';
import { EventHub } from '../../server/services/event-hub';
import { ThreadService } from '../../server/services/threads/api';
import { EVENT_RING_CAPACITY, formatEventId, parseEventId } from '../../server/services/threads/event-log';
import type { ThreadHandle } from '../../server/services/threads/handle';
import { threadStream, type ThreadStreamEvent } from '../../server/services/threads/stream';
import { ActiveTurn } from '../../server/services/turns/active-turn';
import { ApprovalBroker } from '../../server/services/turns/approvals';

// ---- hand-made wire objects ------------------------------------------------------------------------

const TID = 'th1';
const thread = (over: Partial<Thread> = {}): Thread => ({
  id: TID,
  sessionId: TID,
  forkedFromId: null,
  parentThreadId: null,
  preview: '',
  ephemeral: false,
  projectId: null,
  modelProvider: 'p',
  model: 'm',
  reasoningEffort: null,
  createdAt: 1,
  updatedAt: 1,
  status: { type: 'idle' },
  path: null,
  cwd: '/w',
  cliVersion: '0',
  source: 'appServer',
  agentNickname: null,
  agentRole: null,
  gitInfo: null,
  name: null,
  turns: [],
  ...over,
});
const turn = (id: string, over: Partial<Turn> = {}): Turn => ({ id, items: [], status: 'inProgress', error: null, startedAt: 1, completedAt: null, durationMs: null, ...over });
const userItem = (id: string, text: string): ThreadItem => ({ type: 'userMessage', id, content: [{ type: 'text', text }] });
const agentItem = (id: string, text: string): ThreadItem => ({ type: 'agentMessage', id, text });

const ev = (notification: ServerNotification): ThreadStreamEvent => ({ type: 'event', notification });
const snap = (t: Thread): ThreadStreamEvent => ({ type: 'snapshot', thread: t });
const turnStarted = (t: Turn) => ev({ method: 'turn/started', params: { threadId: TID, turn: t } });
const turnCompleted = (t: Turn) => ev({ method: 'turn/completed', params: { threadId: TID, turn: t } });
const itemStarted = (turnId: string, item: ThreadItem) => ev({ method: 'item/started', params: { threadId: TID, turnId, item, startedAtMs: 1_000 } });
const itemCompleted = (turnId: string, item: ThreadItem) => ev({ method: 'item/completed', params: { threadId: TID, turnId, item, completedAtMs: 2_000 } });
const delta = (turnId: string, itemId: string, d: string) => ev({ method: 'item/agentMessage/delta', params: { threadId: TID, turnId, itemId, delta: d } });
const approval = (requestId: string): ThreadStreamEvent => ({ type: 'serverRequest', requestId, method: 'item/commandExecution/requestApproval', params: { itemId: 'c1', command: 'ls' } });
const resolved = (requestId: string) => ev({ method: 'serverRequest/resolved', params: { threadId: TID, requestId } });

/** Applies events with ids e:1, e:2, … (the store only tracks ids; it does not interpret them). */
function feed(store: ThreadStore, events: ThreadStreamEvent[], firstSeq = 1): void {
  events.forEach((e, i) => store.apply(e, formatEventId('0000beef', firstSeq + i)));
}

/** Everything the thread view renders from the store (updatedAt is not shown and only snapshots carry it). */
function view(store: ThreadStore) {
  const { updatedAt: _updatedAt, ...meta } = store.meta ?? ({} as Record<string, unknown>);
  return {
    meta,
    turns: store.turnIds.map((id) => {
      const t = store.turns.get(id)!;
      return { ...t, items: t.itemIds.map((itemId) => store.items.get(itemId)) };
    }),
    approvals: store.approvals,
    steers: store.steers,
  };
}
const text = (store: ThreadStore, itemId: string) => (store.items.get(itemId) as { text?: string } | undefined)?.text;

// ---- the store on its own --------------------------------------------------------------------------

test('a snapshot sets meta, turns and items; a later snapshot replaces them', () => {
  const store = new ThreadStore();
  feed(store, [snap(thread({ name: 'n', turns: [turn('t1', { status: 'completed', items: [userItem('u1', 'hi'), agentItem('a1', 'hello')] })] }))]);
  assert.equal(store.meta?.name, 'n');
  assert.deepEqual(store.turnIds, ['t1']);
  assert.deepEqual(store.turns.get('t1')!.itemIds, ['u1', 'a1']);
  assert.equal(text(store, 'a1'), 'hello');
  assert.equal(store.lastEventId, formatEventId('0000beef', 1));

  store.apply(snap(thread({ turns: [turn('t2', { items: [agentItem('a2', 'x')] })] })), 'next');
  assert.deepEqual(store.turnIds, ['t2']);
  assert.equal(store.items.has('a1'), false, 'items of turns no longer in the thread are gone');
  assert.equal(store.turns.has('t1'), false);
  assert.equal(store.lastEventId, 'next');
});

test('events build a turn: started, items, streamed deltas, completion with the authoritative items', () => {
  const store = new ThreadStore();
  feed(store, [
    snap(thread()),
    turnStarted(turn('t1')),
    itemStarted('t1', userItem('u1', 'question')),
    itemCompleted('t1', userItem('u1', 'question')),
    itemStarted('t1', agentItem('a0', '')),
    delta('t1', 'a0', 'discarded attempt'),
    itemStarted('t1', agentItem('a1', '')),
    delta('t1', 'a1', 'Hel'),
    delta('t1', 'a1', 'lo'),
  ]);
  assert.equal(text(store, 'a1'), 'Hello');
  assert.equal(store.meta?.preview, 'question', 'the first user message becomes the preview');
  assert.deepEqual(store.turns.get('t1')!.itemIds, ['u1', 'a0', 'a1']);

  // The completed turn says which items survived (a retried attempt's a0 did not).
  feed(store, [turnCompleted(turn('t1', { status: 'completed', completedAt: 2, items: [userItem('u1', 'question'), agentItem('a1', 'Hello.')] }))], 10);
  const t1 = store.turns.get('t1')!;
  assert.equal(t1.status, 'completed');
  assert.equal(t1.completedAt, 2);
  assert.deepEqual(t1.itemIds, ['u1', 'a1']);
  assert.equal(text(store, 'a1'), 'Hello.');
});

test('turn extras: plan, diff, usage and a retrying error; a final error clears retrying', () => {
  const store = new ThreadStore();
  const err = { message: 'upstream 503', codexErrorInfo: null, additionalDetails: null };
  feed(store, [
    snap(thread()),
    turnStarted(turn('t1')),
    ev({ method: 'turn/plan/updated', params: { threadId: TID, turnId: 't1', explanation: 'why', plan: [{ step: 'a', status: 'pending' }] } }),
    ev({ method: 'turn/diff/updated', params: { threadId: TID, turnId: 't1', diff: '--- a\n+++ b\n' } }),
    ev({ method: 'error', params: { threadId: TID, turnId: 't1', error: err, willRetry: true } }),
  ] as ThreadStreamEvent[]);
  const t1 = store.turns.get('t1')!;
  assert.deepEqual(t1.plan, { explanation: 'why', plan: [{ step: 'a', status: 'pending' }] });
  assert.equal(t1.diff, '--- a\n+++ b\n');
  assert.deepEqual(t1.retrying, err);
  assert.equal(t1.error, null);
  feed(store, [ev({ method: 'error', params: { threadId: TID, turnId: 't1', error: err, willRetry: false } })], 20);
  assert.deepEqual(store.turns.get('t1')!.error, err);
  assert.equal(store.turns.get('t1')!.retrying, null);
});

test('a snapshot keeps the live-only extras this client already saw for the same turns', () => {
  const store = new ThreadStore();
  feed(store, [
    snap(thread()),
    turnStarted(turn('t1')),
    ev({ method: 'turn/plan/updated', params: { threadId: TID, turnId: 't1', explanation: null, plan: [{ step: 's', status: 'completed' }] } }),
  ] as ThreadStreamEvent[]);
  store.apply(snap(thread({ turns: [turn('t1', { status: 'completed' })] })), 'later');
  assert.deepEqual(store.turns.get('t1')!.plan, { explanation: null, plan: [{ step: 's', status: 'completed' }] });
  assert.equal(store.turns.get('t1')!.status, 'completed');
});

test('repeated lifecycle events are idempotent: no doubled turns, items or approvals', () => {
  const store = new ThreadStore();
  const events = [
    snap(thread()),
    turnStarted(turn('t1')),
    itemStarted('t1', agentItem('a1', '')),
    itemCompleted('t1', agentItem('a1', 'done')),
    approval('req-1'),
  ];
  feed(store, events);
  const once = view(store);
  // The same lifecycle events again (a resend, or the server offering a pending request once more).
  feed(store, events.slice(1), 100);
  feed(store, [itemStarted('t1', agentItem('a1', 'done')), approval('req-1')], 200);
  assert.deepEqual(view(store), once);
  assert.deepEqual(store.turnIds, ['t1']);
  assert.deepEqual(store.turns.get('t1')!.itemIds, ['a1']);
  assert.deepEqual(store.approvals.map((a) => a.requestId), ['req-1']);
});

test('server requests: shown once, removed when resolved; a snapshot clears them until offered again', () => {
  const store = new ThreadStore();
  feed(store, [snap(thread()), approval('req-1'), approval('req-2')]);
  assert.deepEqual(store.approvals.map((a) => [a.requestId, a.params.command]), [
    ['req-1', 'ls'],
    ['req-2', 'ls'],
  ]);
  feed(store, [resolved('req-1'), resolved('req-unknown')], 10);
  assert.deepEqual(store.approvals.map((a) => a.requestId), ['req-2']);
  // After a reconnect snapshot the server offers every pending request again, right after it.
  feed(store, [snap(thread()), approval('req-2')], 20);
  assert.deepEqual(store.approvals.map((a) => a.requestId), ['req-2']);
});

test('a server request shares the id of the event before it, and must still be applied', () => {
  // stream.ts tags a server request with the last event's id (requests are not in the ring).
  const store = new ThreadStore();
  store.apply(snap(thread()), formatEventId('0000beef', 7));
  store.apply(approval('req-1'), formatEventId('0000beef', 7));
  assert.deepEqual(store.approvals.map((a) => a.requestId), ['req-1']);
  assert.equal(store.lastEventId, formatEventId('0000beef', 7));
});

test('out of order: events for an item or turn the store has not seen yet', () => {
  const store = new ThreadStore();
  feed(store, [snap(thread())]);
  // A delta for an unknown item changes nothing (no phantom item).
  feed(store, [delta('t1', 'ghost', 'x')], 2);
  assert.equal(store.items.has('ghost'), false);
  assert.deepEqual(store.turnIds, []);
  // An item for a turn whose turn/started has not arrived creates the turn, in progress; the start then fills it in.
  feed(store, [itemStarted('t1', agentItem('a1', 'early'))], 3);
  assert.deepEqual(store.turnIds, ['t1']);
  assert.equal(store.turns.get('t1')!.status, 'inProgress');
  feed(store, [turnStarted(turn('t1', { startedAt: 42 }))], 4);
  assert.deepEqual(store.turnIds, ['t1']);
  assert.equal(store.turns.get('t1')!.startedAt, 42);
  assert.deepEqual(store.turns.get('t1')!.itemIds, ['a1'], 'the start must not drop items that came first');
});

test('a late turn/completed with no items keeps the items the store has', () => {
  const store = new ThreadStore();
  feed(store, [snap(thread()), turnStarted(turn('t1')), itemCompleted('t1', agentItem('a1', 'kept')), turnCompleted(turn('t1', { status: 'interrupted' }))]);
  assert.deepEqual(store.turns.get('t1')!.itemIds, ['a1']);
  assert.equal(store.turns.get('t1')!.status, 'interrupted');
});

test('listeners hear about the keys that changed, batched until flush', () => {
  const store = new ThreadStore();
  const heard: string[] = [];
  for (const key of ['turns', 'turn:t1', 'item:a1', 'item:a2', 'approvals', 'meta']) store.subscribe(key, () => heard.push(key));
  feed(store, [snap(thread())]);
  store.flush();
  assert.deepEqual(new Set(heard), new Set(['turns', 'turn:t1', 'item:a1', 'item:a2', 'approvals', 'meta']), 'a snapshot wakes everyone');
  heard.length = 0;
  feed(store, [turnStarted(turn('t1')), itemStarted('t1', agentItem('a1', '')), delta('t1', 'a1', 'x'), delta('t1', 'a1', 'y')], 2);
  assert.deepEqual(heard, [], 'nothing before the frame');
  store.flush();
  assert.deepEqual(new Set(heard), new Set(['turns', 'turn:t1', 'item:a1']));
  assert.equal(heard.filter((k) => k === 'item:a1').length, 1, 'many deltas, one wake-up per frame');
  heard.length = 0;
  feed(store, [delta('t1', 'a1', 'z')], 10);
  store.flush();
  assert.deepEqual(heard, ['item:a1'], 'a delta wakes only its item');
});

// ---- the store fed by the real server stream -------------------------------------------------------

interface Env {
  threads: ThreadService;
  approvals: ApprovalBroker;
  handle: ThreadHandle;
  threadId: string;
}

async function serverEnv(t: TestContext): Promise<Env> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-store-'));
  const dbFile = path.join(home, 'codex-web.sqlite');
  const db = openDb(dbFile);
  const writer = new GroupCommitWriter(db);
  const config = loadConfig({ home, overrides: [], strict: false, cwd: home });
  const threads = new ThreadService({ db, writer, hub: new EventHub(), config, dbFile, cliVersion: '0', defaultCwd: home });
  // As services.ts wires them: resolved requests are announced, pending ones offered to new subscribers.
  const approvals = new ApprovalBroker((th, requestId) => th.emit({ method: 'serverRequest/resolved', params: { threadId: th.id, requestId } }));
  threads.registry.onSubscribe = (th, s) => approvals.offerPending(th, s);
  const { thread: started } = await threads.start({}, null);
  t.after(() => {
    threads.close();
    writer.flush();
    db.$client.close();
    rmSync(home, { recursive: true, force: true });
  });
  return { threads, approvals, handle: threads.getLoaded(started.id)!, threadId: started.id };
}

/** A browser tab: the store, fed by threadStream; reconnects send the store's lastEventId back. */
class Tab {
  readonly store = new ThreadStore();
  /** The kind of the first event of each connection ('snapshot' or 'event'). */
  readonly firstEvents: string[] = [];
  private ac: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private static next = 0;

  constructor(private readonly env: Env) {}

  connect(lastEventId: string | null = this.store.lastEventId): void {
    const ac = (this.ac = new AbortController());
    const stream = threadStream(this.env.threads, { threadId: this.env.threadId, lastEventId, subscriberId: `tab-${Tab.next++}`, signal: ac.signal });
    let first = true;
    this.loop = (async () => {
      for await (const { id, event } of stream) {
        if (first) this.firstEvents.push(event.type);
        first = false;
        this.store.apply(event, id);
      }
    })();
  }

  async disconnect(): Promise<void> {
    this.ac?.abort();
    await this.loop;
    this.ac = this.loop = null;
  }

  get seq(): number {
    return this.store.lastEventId ? (parseEventId(this.store.lastEventId)?.seq ?? -1) : -1;
  }
}

/** Waits until every connected tab applied every event the thread has emitted. */
async function caughtUp(env: Env, tabs: Tab[]): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (tabs.every((tab) => tab.seq === env.handle.eventSeq)) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`tabs stuck at ${tabs.map((t) => t.seq).join(', ')}; thread at ${env.handle.eventSeq}`);
}

/** What the turn runner does for a turn's start (turns/turn-runner.ts): record, then announce. */
async function startTurn(env: Env, id: string, text: string): Promise<ActiveTurn> {
  const { handle } = env;
  const t: Turn = turn(id, { startedAt: 100 });
  handle.beginTurn(id);
  const user = userItem(`${id}-user`, text);
  await handle.record([
    { kind: 'event', type: 'turn_started', turnId: id, payload: { turn: t } },
    { kind: 'event', type: 'item_completed', turnId: id, payload: { turnId: id, item: user } },
  ]);
  await env.threads.recordActivity(handle, [{ type: 'text', text }]);
  handle.setStatus({ type: 'active', activeFlags: [] });
  handle.emit({ method: 'turn/started', params: { threadId: handle.id, turn: { ...t } } });
  handle.emit({ method: 'item/started', params: { threadId: handle.id, turnId: id, item: user, startedAtMs: 100_000 } });
  handle.emit({ method: 'item/completed', params: { threadId: handle.id, turnId: id, item: user, completedAtMs: 100_000 } });
  return new ActiveTurn(t, handle, { type: 'readOnly', networkAccess: false });
}

/** A streamed agent message: the live item grows with each delta, as in the runner. */
function streamText(active: ActiveTurn, item: { type: 'agentMessage'; id: string; text: string }, deltas: string[]): void {
  for (const d of deltas) {
    item.text += d;
    active.thread.emit({ method: 'item/agentMessage/delta', params: { threadId: active.thread.id, turnId: active.turn.id, itemId: item.id, delta: d } });
  }
}

async function finishTurn(env: Env, active: ActiveTurn): Promise<void> {
  const { handle } = env;
  const done: Turn = { ...active.turn, items: [], status: 'completed', completedAt: 200, durationMs: 1000 };
  env.approvals.cancelTurn(done.id);
  await handle.record([{ kind: 'event', type: 'turn_completed', turnId: done.id, payload: { turn: done } }]);
  handle.endTurn();
  const items = env.threads.turnItems(handle.id, done.id);
  handle.setStatus({ type: 'idle' });
  handle.emit({ method: 'turn/completed', params: { threadId: handle.id, turn: { ...done, items } } });
}

test('reconnects (ring replay, snapshot after overflow, foreign epoch) end up equal to an uninterrupted tab', async (t) => {
  const env = await serverEnv(t);
  const steady = new Tab(env);
  const replayed = new Tab(env);
  const overflowed = new Tab(env);
  const reloaded = new Tab(env);
  const tabs = [steady, replayed, overflowed, reloaded];
  for (const tab of tabs) tab.connect(null);
  t.after(async () => {
    for (const tab of tabs) await tab.disconnect();
    for (const tab of tabs) tab.store.flush();
  });

  // Turn 1, seen live by everyone: a plan, a streamed answer, completion.
  const t1 = await startTurn(env, 'turn-1', 'first question');
  env.handle.emit({ method: 'turn/plan/updated', params: { threadId: env.threadId, turnId: 'turn-1', explanation: null, plan: [{ step: 'answer', status: 'completed' }] } });
  const a1 = { type: 'agentMessage' as const, id: 'turn-1-answer', text: '' };
  await t1.startItem(a1);
  streamText(t1, a1, ['An', 'swer ', 'one.']);
  await t1.completeItem({ ...a1 });
  await finishTurn(env, t1);
  await caughtUp(env, tabs);
  assert.equal(text(steady.store, 'turn-1-answer'), 'Answer one.');

  for (const tab of [replayed, overflowed, reloaded]) await tab.disconnect();

  // Turn 2 starts while three tabs are away; a command asks for approval.
  const t2 = await startTurn(env, 'turn-2', 'second question');
  const a2 = { type: 'agentMessage' as const, id: 'turn-2-answer', text: '' };
  await t2.startItem(a2);
  streamText(t2, a2, ['Part ', 'one; ']);
  const asked = env.approvals.ask(env.handle, 'turn-2', 'item/commandExecution/requestApproval', { itemId: 'cmd-1', command: 'make', cwd: '/w', reason: null });

  // Within the ring: exactly the missed events are replayed.
  replayed.connect();
  await caughtUp(env, [steady, replayed]);
  assert.deepEqual(replayed.firstEvents, ['snapshot', 'event']);

  // Far more than the ring holds: the overflowed tab's position is gone; the reloaded tab names an epoch
  // from an earlier load of the thread.
  const many = Array.from({ length: EVENT_RING_CAPACITY + 50 }, (_, i) => `${i % 10}`);
  streamText(t2, a2, many);
  overflowed.connect();
  reloaded.connect(formatEventId(env.handle.epoch === 'deadbeef' ? 'feedface' : 'deadbeef', 3));
  await caughtUp(env, tabs);
  assert.deepEqual(overflowed.firstEvents, ['snapshot', 'snapshot']);
  assert.deepEqual(reloaded.firstEvents, ['snapshot', 'snapshot']);

  const expectedText = `Part one; ${many.join('')}`;
  for (const tab of tabs) {
    assert.equal(text(tab.store, 'turn-2-answer'), expectedText);
    assert.deepEqual(tab.store.approvals.map((a) => a.requestId), [asked.id], 'the pending approval, exactly once');
    assert.deepEqual(view(tab.store), view(steady.store));
  }
  assert.equal(steady.store.turns.get('turn-2')!.status, 'inProgress');
  assert.deepEqual(steady.store.turns.get('turn-1')!.plan, { explanation: null, plan: [{ step: 'answer', status: 'completed' }] });

  // The browser answers; the answer is announced; the turn ends. Everyone agrees again.
  assert.equal(env.approvals.answer(asked.id, { decision: 'accept' }), true);
  assert.equal(await asked.decision, 'accept');
  streamText(t2, a2, [' Done.']);
  await t2.completeItem({ ...a2 });
  await finishTurn(env, t2);
  await caughtUp(env, tabs);
  for (const tab of tabs) {
    assert.deepEqual(tab.store.approvals, []);
    assert.deepEqual(view(tab.store), view(steady.store));
  }
  const final = view(steady.store);
  assert.deepEqual(final.turns.map((x) => [x.id, x.status, x.itemIds]), [
    ['turn-1', 'completed', ['turn-1-user', 'turn-1-answer']],
    ['turn-2', 'completed', ['turn-2-user', 'turn-2-answer']],
  ]);
  assert.equal(text(steady.store, 'turn-2-answer'), `${expectedText} Done.`);
  assert.equal(final.meta.preview, 'first question');
  assert.deepEqual(final.meta.status, { type: 'idle' });

  // And what a fresh tab (a page load) shows is the same thread.
  const fresh = new Tab(env);
  fresh.connect(null);
  await caughtUp(env, [fresh]);
  await fresh.disconnect();
  fresh.store.flush();
  const { turns: freshTurns } = view(fresh.store);
  assert.deepEqual(
    freshTurns.map((x) => ({ ...x, plan: null })),
    final.turns.map((x) => ({ ...x, plan: null })),
    'a page load shows the same turns (live-only plans aside)',
  );
});

test('voice lines: live ones follow the newest turn, stored ones replace them without doubling, realtime listeners hear every realtime event', () => {
  const store = new ThreadStore();
  store.apply({ type: 'snapshot', thread: thread({ turns: [] }) }, null);
  const heard: string[] = [];
  const off = store.onRealtime((n) => heard.push(n.method));
  const done = (role: 'user' | 'assistant', text: string): ServerNotification => ({ method: 'thread/realtime/transcript/done', params: { threadId: TID, role, text } });
  store.applyNotification(done('user', 'Fix the build'));
  store.applyNotification(done('user', '   '));
  store.applyNotification({ method: 'turn/started', params: { threadId: TID, turn: { id: 't1', items: [], status: 'inProgress', error: null, startedAt: 1, completedAt: null, durationMs: null } } } as ServerNotification);
  store.applyNotification(done('assistant', 'On it'));
  assert.deepEqual(
    store.voiceLines.map((l) => [l.role, l.text, l.afterTurnId]),
    [
      ['user', 'Fix the build', null],
      ['assistant', 'On it', 't1'],
    ],
  );
  assert.deepEqual(heard, ['thread/realtime/transcript/done', 'thread/realtime/transcript/done', 'thread/realtime/transcript/done']);
  off();
  store.applyNotification(done('user', 'after off'));
  assert.equal(heard.length, 3);
  // The stored list (a reload's query) holds the first two: not doubled; the third stays after them.
  store.setStoredVoiceLines([
    { seq: 5, role: 'user', text: 'Fix the build', afterTurnId: null, at: 1 },
    { seq: 9, role: 'assistant', text: 'On it', afterTurnId: 't1', at: 2 },
  ]);
  assert.deepEqual(
    store.voiceLines.map((l) => [l.key, l.text]),
    [
      ['s5', 'Fix the build'],
      ['s9', 'On it'],
      ['l3', 'after off'],
    ],
  );
  // A snapshot (reconnect) keeps them.
  store.apply({ type: 'snapshot', thread: thread({ turns: [] }) }, null);
  assert.equal(store.voiceLines.length, 3);
});
