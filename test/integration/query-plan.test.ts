// Listing is served by a `threads` index alone and never reads rollout records (issue 2: "show the query
// plan in a test"), and a listed thread's read receipt reads a partial index of its turn completions and read
// marks; title search's plans are in search-index.test.ts. This test uses db/ in-process on purpose.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../db/client';
import { appendRollout, READ_RECEIPT_SQL, readReceiptRecords, type NewRolloutRecord } from '../../db/queries/rollout';
import { explainListThreads, insertThread, type ListThreadsParams } from '../../db/queries/threads';
import { createTempHome } from '../support/home';

test('a list uses a threads index and never touches rollout_records', (t) => {
  const home = createTempHome();
  t.after(() => home.remove());
  const db = openDb(path.join(home.dir, 'codex-web.sqlite'));
  t.after(() => db.$client.close());

  db.$client.transaction(() => {
    for (let i = 0; i < 2000; i++) {
      const id = randomUUID();
      insertThread({
        db,
        row: { id, preview: `thread ${i} ${i % 10 === 0 ? 'needle' : 'hay'}`, cwd: '/tmp', model: 'm', modelProvider: 'p', source: 'appServer', cliVersion: '0', createdAt: 1_000 + (i % 50), updatedAt: 2_000 + (i % 70) },
      });
      appendRollout({ db, records: [{ threadId: id, seq: 1, kind: 'event', type: 'session_meta', turnId: null, payload: { title: 'needle' }, createdAt: 1 }] });
    }
  })();
  db.$client.exec('ANALYZE');

  const variants: Partial<ListThreadsParams>[] = [
    {},
    { sourceKinds: ['cli', 'vscode', 'appServer'] },
    { cursor: { k: 1_020, id: 'ffffffff' } },
    { archived: true },
    { modelProviders: ['p'], cwd: '/tmp' },
  ];
  for (const sortKey of ['created_at', 'updated_at'] as const) {
    const index = sortKey === 'created_at' ? 'threads_by_created' : 'threads_by_updated';
    for (const v of variants) {
      const params: ListThreadsParams = { archived: false, sortKey, limit: 25, ...v };
      const plan = explainListThreads({ db, params });
      const label = `${sortKey} ${JSON.stringify(v)}: ${JSON.stringify(plan)}`;
      assert.ok(plan.length > 0, label);
      assert.ok(plan.some((d) => new RegExp(`^(SEARCH|SCAN) threads USING (COVERING )?INDEX ${index}\\b`).test(d)), `uses ${index}: ${label}`);
      assert.ok(plan.every((d) => !/rollout_records/.test(d)), `never reads rollout_records: ${label}`);
      assert.ok(plan.every((d) => !/TEMP B-TREE/.test(d)), `the index provides the order: ${label}`);
    }
  }
});

test("a read receipt reads only the thread's settled turns and read marks, from the partial index rollout_receipts", (t) => {
  const home = createTempHome();
  t.after(() => home.remove());
  const db = openDb(path.join(home.dir, 'codex-web.sqlite'));
  t.after(() => db.$client.close());
  const ids = ['long', 'other'];
  for (const id of ids) insertThread({ db, row: { id, preview: 'p', cwd: '/tmp', model: 'm', modelProvider: 'p', source: 'appServer', cliVersion: '0', createdAt: 1, updatedAt: 1 } });
  const records: NewRolloutRecord[] = [];
  let seq = 0;
  const rec = (r: Omit<NewRolloutRecord, 'threadId' | 'seq' | 'createdAt'>, threadId = 'long') => records.push({ threadId, seq: threadId === 'long' ? ++seq : 1000 + seq, createdAt: 1, ...r });
  for (let turn = 1; turn <= 30; turn++) {
    for (let i = 0; i < 20; i++) rec({ kind: 'response_item', type: 'function_call_output', turnId: `turn-${turn}`, payload: { output: 'x'.repeat(500) } });
    // Records of the same type names but another kind, and another thread's, are not the receipt's.
    rec({ kind: 'response_item', type: 'turn_completed', turnId: `turn-${turn}`, payload: { decoy: true } });
    rec({ kind: 'event', type: 'turn_completed', turnId: `turn-${turn}`, payload: { turn: { id: `turn-${turn}` } } });
    if (turn % 10 === 0) rec({ kind: 'event', type: 'read_mark', turnId: null, payload: { kind: 'read', throughTurnId: `turn-${turn}` } });
  }
  rec({ kind: 'event', type: 'turn_completed', turnId: 'foreign', payload: {} }, 'other');
  appendRollout({ db, records });
  db.$client.exec('ANALYZE');

  const got = readReceiptRecords({ db, threadId: 'long' });
  assert.equal(got.length, 33);
  assert.deepEqual(got.filter((r) => r.type === 'turn_completed').map((r) => r.turnId), Array.from({ length: 30 }, (_, i) => `turn-${i + 1}`));
  assert.ok(got.filter((r) => r.type === 'turn_completed').every((r) => r.payload === null), "a turn completion's payload is not read");
  assert.deepEqual(got.filter((r) => r.type === 'read_mark').map((r) => r.payload), [10, 20, 30].map((n) => ({ kind: 'read', throughTurnId: `turn-${n}` })));
  assert.deepEqual(readReceiptRecords({ db, threadId: 'other' }).map((r) => r.turnId), ['foreign']);
  // The receipt is a range of the partial index, never of the thread's whole primary-key range.
  const plan = (db.$client.prepare(`EXPLAIN QUERY PLAN ${READ_RECEIPT_SQL}`).all('long') as { detail: string }[]).map((r) => r.detail);
  assert.deepEqual(plan, ['SEARCH rollout_records USING INDEX rollout_receipts (thread_id=?)'], JSON.stringify(plan));
  assert.equal(db.$client.prepare("SELECT count(*) FROM rollout_records INDEXED BY rollout_receipts WHERE kind = 'event' AND type IN ('turn_completed', 'read_mark')").pluck().get(), 34, 'the index holds only those records');
});
