// The per-thread event ring (services/threads/event-log.ts): sequence numbers, the epoch, replay with
// since() up to and past the ring's capacity, and the snapshot each event is stored as.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerNotification } from '../../server/protocol/notifications';
import { EVENT_RING_CAPACITY, formatEventId, parseEventId, snapshotOf, ThreadEventLog } from '../../server/services/threads/event-log';

const delta = (n: number): ServerNotification => ({
  method: 'item/agentMessage/delta',
  params: { threadId: 't1', turnId: 'turn1', itemId: 'msg1', delta: `d${n}` },
});
const deltaOf = (n: ServerNotification): string => (n.method === 'item/agentMessage/delta' ? n.params.delta : `<${n.method}>`);

function filled(capacity: number, count: number): ThreadEventLog {
  const log = new ThreadEventLog(capacity);
  for (let i = 1; i <= count; i++) assert.equal(log.append(delta(i)), i);
  return log;
}

test('append numbers events 1, 2, 3… and seq is the last one; at() finds each', () => {
  const log = new ThreadEventLog(8);
  assert.equal(log.seq, 0);
  assert.deepEqual(log.since(0), [], 'nothing after 0 in an empty log');
  assert.equal(log.append(delta(1)), 1);
  assert.equal(log.append(delta(2)), 2);
  assert.equal(log.append(delta(3)), 3);
  assert.equal(log.seq, 3);
  assert.equal(deltaOf(log.at(2)!.notification), 'd2');
  assert.equal(log.at(2)!.seq, 2);
  assert.equal(log.at(0), undefined);
  assert.equal(log.at(4), undefined, 'a future seq is not there');
});

test('since(seq) is exactly the events after seq, in order', () => {
  const log = filled(8, 5);
  assert.deepEqual(log.since(2)!.map((e) => e.seq), [3, 4, 5]);
  assert.deepEqual(log.since(2)!.map((e) => deltaOf(e.notification)), ['d3', 'd4', 'd5']);
  assert.deepEqual(log.since(5), [], 'caught up: nothing missed');
  assert.equal(log.since(6), null, 'a seq the log never issued cannot be resumed from');
});

test('at capacity: the whole ring is still replayable; one more and the oldest is gone', () => {
  const capacity = 16;
  const exact = filled(capacity, capacity);
  assert.deepEqual(exact.since(0)!.map((e) => e.seq), Array.from({ length: capacity }, (_, i) => i + 1));

  // The ring holds the last `capacity` events: 2..17. Resuming after 1 still works; after 0 does not.
  const over = filled(capacity, capacity + 1);
  assert.equal(over.since(0), null, 'event 1 fell out of the ring');
  assert.deepEqual(over.since(1)!.map((e) => e.seq), Array.from({ length: capacity }, (_, i) => i + 2));
  assert.equal(over.at(1), undefined);
  assert.equal(deltaOf(over.at(capacity + 1)!.notification), `d${capacity + 1}`);
});

test('far beyond capacity: old positions answer null, never another event that reused the slot', () => {
  const capacity = 16;
  const log = filled(capacity, capacity * 3 + 5);
  const last = log.seq;
  assert.equal(log.since(last - capacity - 1), null);
  assert.deepEqual(log.since(last - capacity)!.map((e) => e.seq), Array.from({ length: capacity }, (_, i) => last - capacity + 1 + i));
  // Slot (5 % 16) now holds seq 53: asking for 5 must not return it.
  assert.equal(log.at(5), undefined);
  assert.equal(log.since(5), null);
  assert.equal(log.since(last - 3)!.length, 3);
});

test('the default ring holds EVENT_RING_CAPACITY events', () => {
  const log = new ThreadEventLog();
  for (let i = 1; i <= EVENT_RING_CAPACITY + 1; i++) log.append(delta(i));
  assert.equal(log.since(0), null);
  assert.equal(log.since(1)!.length, EVENT_RING_CAPACITY);
});

test('append stores a snapshot: mutating the published object afterwards changes nothing in the ring', () => {
  const log = new ThreadEventLog(8);
  // What the turn runner does: it publishes a live item, then keeps growing its text.
  const item = { type: 'agentMessage' as const, id: 'msg1', text: 'Hel' };
  const started: ServerNotification = { method: 'item/started', params: { threadId: 't1', turnId: 'turn1', item, startedAtMs: 1_000 } };
  const seq = log.append(started);
  item.text += 'lo, world';
  (started.params as { turnId: string }).turnId = 'changed';
  const stored = log.at(seq)!.notification;
  assert.equal(stored.method, 'item/started');
  assert.deepEqual(stored.params, { threadId: 't1', turnId: 'turn1', item: { type: 'agentMessage', id: 'msg1', text: 'Hel' }, startedAtMs: 1_000 });
  assert.notEqual(stored, started);
  // Replays carry the same snapshot.
  assert.deepEqual(log.since(0)![0]!.notification, stored);
});

test('snapshotOf copies nested arrays and plain objects, shares everything else', () => {
  const shared = new Map([['k', 1]]);
  const value = { a: [{ b: 'x' }, [1, 2]], m: shared, n: null, s: 'str' };
  const copy = snapshotOf(value);
  assert.deepEqual(copy, value);
  assert.notEqual(copy.a, value.a);
  assert.notEqual(copy.a[0], value.a[0]);
  assert.equal(copy.m, shared, 'non-plain objects are shared, not copied');
  (value.a[0] as { b: string }).b = 'y';
  (value.a[1] as number[]).push(3);
  assert.deepEqual(copy.a, [{ b: 'x' }, [1, 2]]);
});

test('each log has its own epoch; event ids round-trip and reject other shapes', () => {
  const a = new ThreadEventLog(4);
  const b = new ThreadEventLog(4);
  assert.match(a.epoch, /^[0-9a-f]{8}$/);
  assert.notEqual(a.epoch, b.epoch, 'a reload must not accept ids from the previous load');
  const id = formatEventId(a.epoch, 42);
  assert.deepEqual(parseEventId(id), { epoch: a.epoch, seq: 42 });
  for (const bad of ['', '42', `${a.epoch}:`, `${a.epoch}:-1`, `${a.epoch}:4x`, `XYZ12345:1`, `${a.epoch}1:1`]) {
    assert.equal(parseEventId(bad), null, bad);
  }
});
