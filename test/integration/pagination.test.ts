// Keyset pagination over hundreds of threads that share one timestamp: every thread exactly
// once, in the same order every time, for both sort keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeFixture, stdioServer } from '../support/fixtures';
import type { RpcClient } from '../support/rpc-client';
import { seedThreads } from '../support/seed-db';
import type { ThreadListResult } from '../support/wire';

const T = Date.UTC(2026, 0, 15, 12, 0, 0, 123);

async function pageThrough(c: RpcClient, params: Record<string, unknown>, limit: number): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    assert.ok(page < 1000, 'pagination terminates');
    const res: ThreadListResult = await c.request<ThreadListResult>('thread/list', { ...params, limit, cursor });
    assert.ok(res.data.length <= limit, 'a page holds at most limit threads');
    out.push(...res.data.map((t) => t.id));
    if (res.nextCursor === null) return out;
    assert.equal(res.data.length, limit, 'only the last page may be short');
    cursor = res.nextCursor;
  }
}

test('pagination with identical timestamps returns every thread exactly once, stably', async (t) => {
  const { home } = await homeFixture(t);
  const tied = seedThreads(home.dir, Array.from({ length: 300 }, (_, i) => ({ preview: `tied ${i}`, createdAt: T, updatedAt: T })));
  // A few neighbours with other timestamps: newer ones must come first, older ones last.
  const newer = seedThreads(home.dir, Array.from({ length: 5 }, (_, i) => ({ preview: `newer ${i}`, createdAt: T + 60_000 + i, updatedAt: T + 60_000 + i })));
  const older = seedThreads(home.dir, Array.from({ length: 5 }, (_, i) => ({ preview: `older ${i}`, createdAt: T - 60_000 - i, updatedAt: T - 60_000 - i })));
  const archived = seedThreads(home.dir, Array.from({ length: 4 }, () => ({ preview: 'archived', createdAt: T, updatedAt: T, archived: true })));
  const visible = [...tied, ...newer, ...older];

  const c = stdioServer(t, home.dir);
  await c.initialize();

  for (const sortKey of ['created_at', 'updated_at']) {
    const first = await pageThrough(c, { sortKey }, 7);
    assert.equal(first.length, visible.length, `${sortKey}: count`);
    assert.equal(new Set(first).size, first.length, `${sortKey}: no id repeated`);
    assert.deepEqual(new Set(first), new Set(visible), `${sortKey}: no id skipped`);
    // Newest first: the five newer (newest first), the tied block, then the five older.
    assert.deepEqual(first.slice(0, 5), [...newer].reverse(), `${sortKey}: newer first`);
    assert.deepEqual(new Set(first.slice(5, 305)), new Set(tied), `${sortKey}: tied block in the middle`);
    assert.deepEqual(first.slice(305), older, `${sortKey}: older last`);

    const second = await pageThrough(c, { sortKey }, 7);
    assert.deepEqual(second, first, `${sortKey}: same order on a second pass`);
    const bigPages = await pageThrough(c, { sortKey }, 50);
    assert.deepEqual(bigPages, first, `${sortKey}: page size does not change the order`);
  }

  const archivedIds = await pageThrough(c, { archived: true }, 3);
  assert.deepEqual(new Set(archivedIds), new Set(archived));
  assert.equal(archivedIds.length, archived.length);
});
