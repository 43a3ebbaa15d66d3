// Turn projection of the rollout (services/threads/projection.ts rebuildTurns): turns and items from event
// records, retried attempts' items dropped, a turn cut off by a crash read back as interrupted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../db/client';
import { appendRollout, readRollout, type NewRolloutRecord } from '../../db/queries/rollout';
import { insertThread } from '../../db/queries/threads';
import type { RolloutRow } from '../../db/schema';
import type { ThreadItem, Turn } from '../../server/protocol/turn';
import { rebuildTurns } from '../../server/services/threads/projection';

type Rec = Pick<RolloutRow, 'kind' | 'type' | 'payload'>;

const turn = (id: string, over: Partial<Turn> = {}): Turn => ({
  id,
  items: [],
  status: 'inProgress',
  error: null,
  startedAt: 100,
  completedAt: null,
  durationMs: null,
  ...over,
});
const user = (id: string, text: string): ThreadItem => ({ type: 'userMessage', id, content: [{ type: 'text', text }] });
const agent = (id: string, text: string): ThreadItem => ({ type: 'agentMessage', id, text });

const started = (t: Turn): Rec => ({ kind: 'event', type: 'turn_started', payload: { turn: t } });
const completed = (t: Turn): Rec => ({ kind: 'event', type: 'turn_completed', payload: { turn: t } });
const itemStarted = (turnId: string, item: ThreadItem): Rec => ({ kind: 'event', type: 'item_started', payload: { turnId, item } });
const itemCompleted = (turnId: string, item: ThreadItem): Rec => ({ kind: 'event', type: 'item_completed', payload: { turnId, item } });
const discarded = (turnId: string, itemId: string): Rec => ({ kind: 'event', type: 'item_discarded', payload: { turnId, itemId } });
const sessionMeta: Rec = { kind: 'event', type: 'session_meta', payload: { model: 'm' } };
const responseItem = (payload: Record<string, unknown>): Rec => ({ kind: 'response_item', type: String(payload.type), payload });

test('a completed turn: its final fields from turn_completed, its items in first-seen order', () => {
  const t1 = turn('t1');
  const turns = rebuildTurns([
    sessionMeta,
    started(t1),
    responseItem({ type: 'message', role: 'user', content: [] }),
    itemCompleted('t1', user('u1', 'hi')),
    itemStarted('t1', agent('a1', '')),
    itemStarted('t1', { type: 'reasoning', id: 'r1', summary: [], content: [] }),
    itemCompleted('t1', { type: 'reasoning', id: 'r1', summary: ['thought'], content: [] }),
    itemCompleted('t1', agent('a1', 'hello there')),
    completed(turn('t1', { status: 'completed', completedAt: 105, durationMs: 5000 })),
  ]);
  assert.deepEqual(turns, [
    {
      id: 't1',
      status: 'completed',
      error: null,
      startedAt: 100,
      completedAt: 105,
      durationMs: 5000,
      // item_completed replaces item_started in place: a1 keeps its slot before r1.
      items: [user('u1', 'hi'), agent('a1', 'hello there'), { type: 'reasoning', id: 'r1', summary: ['thought'], content: [] }],
      // Rebuilt from every record: all of its items.
      itemsView: 'full',
    },
  ]);
});

test('turns come back in the order they started, each with only its own items', () => {
  const turns = rebuildTurns([
    started(turn('t1')),
    itemCompleted('t1', user('u1', 'one')),
    completed(turn('t1', { status: 'completed' })),
    started(turn('t2')),
    itemCompleted('t2', user('u2', 'two')),
    itemCompleted('t2', agent('a2', 'answer two')),
    completed(turn('t2', { status: 'failed', error: { message: 'boom', codexErrorInfo: null, additionalDetails: null } })),
  ]);
  assert.deepEqual(
    turns.map((t) => [t.id, t.status, t.items.map((i) => i.id)]),
    [
      ['t1', 'completed', ['u1']],
      ['t2', 'failed', ['u2', 'a2']],
    ],
  );
  assert.deepEqual(turns[1]!.error, { message: 'boom', codexErrorInfo: null, additionalDetails: null });
});

test('a turn with no turn_completed that is not running reads back as interrupted (crash / restart)', () => {
  const records = [
    started(turn('t1')),
    itemCompleted('t1', user('u1', 'hi')),
    itemStarted('t1', agent('a1', 'partial')),
  ];
  const [afterCrash] = rebuildTurns(records);
  assert.equal(afterCrash!.status, 'interrupted');
  assert.equal(afterCrash!.completedAt, null);
  assert.deepEqual(afterCrash!.items, [user('u1', 'hi'), agent('a1', 'partial')]);

  // The same records while that turn is the one running now: still in progress.
  const [running] = rebuildTurns(records, 't1');
  assert.equal(running!.status, 'inProgress');
  // Another turn running does not save it.
  assert.equal(rebuildTurns(records, 'other')[0]!.status, 'interrupted');
});

test('the running turn id only keeps its own turn in progress; finished turns keep their status', () => {
  const turns = rebuildTurns(
    [
      started(turn('t1')), // crashed earlier
      started(turn('t2')),
      completed(turn('t2', { status: 'completed' })),
      started(turn('t3')), // running now
    ],
    't3',
  );
  assert.deepEqual(
    turns.map((t) => [t.id, t.status]),
    [
      ['t1', 'interrupted'],
      ['t2', 'completed'],
      ['t3', 'inProgress'],
    ],
  );
  // A turn that completed is never reported as running, even if named.
  assert.equal(rebuildTurns([started(turn('t2')), completed(turn('t2', { status: 'completed' }))], 't2')[0]!.status, 'completed');
});

test('items of a retried attempt (item_discarded) are gone, and later items keep their places', () => {
  const turns = rebuildTurns([
    started(turn('t1')),
    itemCompleted('t1', user('u1', 'hi')),
    itemStarted('t1', agent('a1', 'first attempt')),
    itemStarted('t1', agent('a2', 'first attempt too')),
    discarded('t1', 'a1'),
    itemStarted('t1', agent('a3', '')),
    // a2 completing after the discard must update a2, not whatever now sits at a2's old index.
    itemCompleted('t1', agent('a2', 'kept')),
    itemCompleted('t1', agent('a3', 'second attempt')),
    discarded('t1', 'nope'),
    discarded('other-turn', 'u1'),
    completed(turn('t1', { status: 'completed' })),
  ]);
  assert.deepEqual(turns[0]!.items, [user('u1', 'hi'), agent('a2', 'kept'), agent('a3', 'second attempt')]);
});

test('records for unknown turns, response items and unknown event types are ignored', () => {
  const turns = rebuildTurns([
    itemCompleted('ghost', user('g', 'no turn_started')),
    completed(turn('ghost', { status: 'completed' })),
    started(turn('t1')),
    responseItem({ type: 'function_call', call_id: 'c1' }),
    { kind: 'event', type: 'something_new', payload: {} },
    completed(turn('t1', { status: 'completed' })),
  ]);
  assert.deepEqual(turns.map((t) => [t.id, t.items.length]), [['t1', 0]]);
  assert.deepEqual(rebuildTurns([]), []);
});

test('through SQLite: records written with appendRollout read back (by seq) into the same turns', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'codex-web-projection-'));
  const db = openDb(path.join(dir, 'db.sqlite'));
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const now = Date.now();
  insertThread({ db, row: { id: 'th1', cwd: '/w', model: 'm', modelProvider: 'p', source: 'appServer', cliVersion: '0', createdAt: now, updatedAt: now } });
  const recs = [
    started(turn('t1')),
    itemCompleted('t1', user('u1', 'hi')),
    itemCompleted('t1', agent('a1', 'done')),
    completed(turn('t1', { status: 'completed', completedAt: 101 })),
    started(turn('t2')),
    itemStarted('t2', agent('a2', 'half')),
  ];
  const rows: NewRolloutRecord[] = recs.map((r, i) => ({ threadId: 'th1', seq: i + 1, kind: r.kind, type: r.type, turnId: null, payload: r.payload, createdAt: now }));
  // Inserted out of order: the read is ordered by seq.
  appendRollout({ db, records: [...rows].reverse() });
  const fromDb = rebuildTurns(readRollout({ db, threadId: 'th1' }));
  assert.deepEqual(fromDb, rebuildTurns(recs));
  assert.deepEqual(fromDb.map((x) => [x.id, x.status]), [
    ['t1', 'completed'],
    ['t2', 'interrupted'],
  ]);
});

test('rebuilding twice gives equal turns and never changes the records', () => {
  const t1 = turn('t1');
  const records = [started(t1), itemStarted('t1', agent('a1', 'x'))];
  const before = JSON.stringify(records);
  const first = rebuildTurns(records);
  first[0]!.items.push(agent('extra', 'mutating the result'));
  assert.equal(JSON.stringify(records), before, 'the interrupted status and pushed items must not leak into the records');
  assert.equal(t1.status, 'inProgress');
  assert.deepEqual(rebuildTurns(records), [{ ...t1, status: 'interrupted', items: [agent('a1', 'x')], itemsView: 'full' }]);
});
