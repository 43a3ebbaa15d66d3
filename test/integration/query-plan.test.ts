// Listing is served by a `threads` index alone and never reads rollout records (issue 2: "show the query
// plan in a test"); title search's plans are in search-index.test.ts. This test uses db/ in-process on purpose.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { openDb } from '../../db/client';
import { appendRollout } from '../../db/queries/rollout';
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
