// The group-commit writer (db/writer.ts) on a real SQLite file: one transaction per event-loop turn, promises
// settling only after commit, a failing write rejecting only its own promise, order, flush, the queue limit.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { openDb, type Db } from '../../db/client';
import { appendRollout, readRollout } from '../../db/queries/rollout';
import { insertThread } from '../../db/queries/threads';
import { GroupCommitWriter, WriterOverloadedError } from '../../db/writer';

const THREAD = 'th1';

function tempDb(t: TestContext): { db: Db; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'codex-web-writer-'));
  const file = path.join(dir, 'db.sqlite');
  const db = openDb(file);
  const now = Date.now();
  insertThread({ db, row: { id: THREAD, cwd: '/w', model: 'm', modelProvider: 'p', source: 'appServer', cliVersion: '0', createdAt: now, updatedAt: now } });
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, file };
}

/** One rollout record: (thread, seq) is the primary key, so writing a seq twice fails. */
const write = (db: Db, seq: number, threadId = THREAD) => () =>
  appendRollout({ db, records: [{ threadId, seq, kind: 'event', type: 'mark', turnId: null, payload: { seq }, createdAt: 0 }] });
const seqs = (db: Db) => readRollout({ db, threadId: THREAD }).map((r) => r.seq);
const nextTick = () => new Promise<void>((r) => setImmediate(r));

test('writes submitted in one event-loop turn commit in one transaction, in submit order', async (t) => {
  const { db } = tempDb(t);
  const writer = new GroupCommitWriter(db);
  const txBefore = db.$client.inTransaction;
  const inTx: boolean[] = [];
  const ops = [1, 2, 3, 4, 5].map((seq) => () => {
    inTx.push(db.$client.inTransaction);
    write(db, seq)();
  });
  const promises = ops.map((op) => writer.submit(op));
  assert.deepEqual(seqs(db), [], 'nothing is written synchronously by submit');
  await Promise.all(promises);
  assert.equal(writer.batches, 1);
  assert.deepEqual(inTx, [true, true, true, true, true], 'every op ran inside the batch transaction');
  assert.equal(txBefore, false);
  assert.deepEqual(seqs(db), [1, 2, 3, 4, 5]);
});

test('a resolved promise means committed: another connection already sees the row', async (t) => {
  const { db, file } = tempDb(t);
  const other = new Database(file, { readonly: true });
  t.after(() => other.close());
  const count = () => (other.prepare('select count(*) as n from rollout_records').get() as { n: number }).n;
  const writer = new GroupCommitWriter(db);
  const done = writer.submit(write(db, 1));
  assert.equal(count(), 0);
  await done;
  assert.equal(count(), 1);
});

test('a failing write rejects only its own promise; its neighbours in the batch still commit, in order', async (t) => {
  const { db } = tempDb(t);
  write(db, 3)(); // seq 3 exists: writing it again violates the primary key
  const writer = new GroupCommitWriter(db);
  const settled: string[] = [];
  const track = (name: string, p: Promise<void>) =>
    p.then(
      () => settled.push(`${name}:ok`),
      (err: unknown) => settled.push(`${name}:${(err as { code?: string }).code}`),
    );
  await Promise.all([
    track('a', writer.submit(write(db, 1))),
    track('dup', writer.submit(write(db, 3))),
    track('b', writer.submit(write(db, 2))),
    track('fk', writer.submit(write(db, 9, 'no-such-thread'))),
    track('c', writer.submit(write(db, 4))),
  ]);
  assert.deepEqual(settled, ['a:ok', 'dup:SQLITE_CONSTRAINT_PRIMARYKEY', 'b:ok', 'fk:SQLITE_CONSTRAINT_FOREIGNKEY', 'c:ok']);
  assert.deepEqual(seqs(db), [1, 2, 3, 4]);
  assert.equal(readRollout({ db, threadId: 'no-such-thread' }).length, 0);
  assert.equal(writer.batches, 1, 'the one-by-one retry belongs to the same batch');
});

test('a failed op leaves nothing behind, even the statements it ran before throwing', async (t) => {
  const { db } = tempDb(t);
  const writer = new GroupCommitWriter(db);
  const half = writer.submit(() => {
    write(db, 10)();
    throw new Error('op failed after its first insert');
  });
  const whole = writer.submit(write(db, 11));
  await assert.rejects(half, /op failed after its first insert/);
  await whole;
  assert.deepEqual(seqs(db), [11]);
});

test('writes in different event-loop turns are separate batches and keep their order', async (t) => {
  const { db } = tempDb(t);
  const writer = new GroupCommitWriter(db);
  const order: number[] = [];
  const first = writer.submit(() => (order.push(1), write(db, 1)()));
  await nextTick();
  await nextTick();
  const second = writer.submit(() => (order.push(2), write(db, 2)()));
  const third = writer.submit(() => (order.push(3), write(db, 3)()));
  await Promise.all([first, second, third]);
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(writer.batches, 2);
  assert.deepEqual(seqs(db), [1, 2, 3]);
});

test('flush() commits what is queued now, synchronously; the scheduled run then has nothing to do', async (t) => {
  const { db } = tempDb(t);
  const writer = new GroupCommitWriter(db);
  const p = writer.submit(write(db, 1));
  writer.flush();
  assert.deepEqual(seqs(db), [1], 'committed before flush() returned');
  await p;
  await nextTick();
  assert.equal(writer.batches, 1, 'the later scheduled flush must not count an empty batch');
  writer.flush();
  assert.equal(writer.batches, 1);
});

test('a write submitted from inside an op goes into the next batch, after the current one commits', async (t) => {
  const { db } = tempDb(t);
  const writer = new GroupCommitWriter(db);
  let inner: Promise<void> | null = null;
  await writer.submit(() => {
    write(db, 1)();
    inner = writer.submit(write(db, 2));
  });
  assert.deepEqual(seqs(db), [1]);
  await inner;
  assert.deepEqual(seqs(db), [1, 2]);
  assert.equal(writer.batches, 2);
});

test('the queue is bounded: past maxPending a submit rejects at once with WriterOverloadedError', async (t) => {
  const { db } = tempDb(t);
  const writer = new GroupCommitWriter(db, 3);
  const accepted = [1, 2, 3].map((seq) => writer.submit(write(db, seq)));
  let ran = false;
  const refused = writer.submit(() => {
    ran = true;
    write(db, 4)();
  });
  await assert.rejects(refused, (err: unknown) => err instanceof WriterOverloadedError && /write queue is full/.test(err.message));
  await Promise.all(accepted);
  assert.equal(ran, false, 'a refused op never runs');
  assert.deepEqual(seqs(db), [1, 2, 3]);
  // The limit is on what waits: once the batch committed there is room again.
  await writer.submit(write(db, 4));
  assert.deepEqual(seqs(db), [1, 2, 3, 4]);
});

test('contract: when a batch fails, the other ops of that batch run a second time (so ops must be DB-only)', async (t) => {
  const { db } = tempDb(t);
  write(db, 2)();
  const writer = new GroupCommitWriter(db);
  let runs = 0;
  const ok = writer.submit(() => {
    runs++;
    write(db, 1)();
  });
  const bad = writer.submit(write(db, 2));
  await ok;
  await assert.rejects(bad);
  assert.equal(runs, 2, 'once in the failed batch (rolled back), once on its own');
  assert.deepEqual(seqs(db), [1, 2]);
});
