// Title search is a literal, case-sensitive substring match: no LIKE/GLOB wildcards, no
// escaping surprises, no injection; the name replaces the preview as the title.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeFixture, stdioServer } from '../support/fixtures';
import type { RpcClient } from '../support/rpc-client';
import { seedThreads, type SeedThread } from '../support/seed-db';
import { titleOf, type ThreadListResult } from '../support/wire';

const T = Date.UTC(2026, 1, 1);

const PREVIEWS = [
  '50% off',
  '500 items',
  'a_b test',
  'axb test',
  "it's quoted",
  'say "hi"',
  'glob * star',
  'glob x star',
  'back\\slash',
  'back/slash',
  'Foo Bar',
  'foo bar',
  'FOO',
  '100%_done',
  "'; DROP TABLE threads; --",
  '[abc] brackets',
];

async function search(c: RpcClient, searchTerm: string, archived = false): Promise<string[]> {
  const res = await c.request<ThreadListResult>('thread/list', { searchTerm, archived, limit: 100 });
  assert.equal(res.nextCursor, null);
  return res.data.map(titleOf).sort();
}

test('search matches titles literally and case-sensitively', async (t) => {
  const { home } = await homeFixture(t);
  const rows: SeedThread[] = PREVIEWS.map((preview, i) => ({ preview, createdAt: T + i, updatedAt: T + i }));
  // The name, when set, is the title: the preview no longer matches.
  rows.push({ preview: 'needle in the preview', name: 'renamed thread', createdAt: T + 100, updatedAt: T + 100 });
  rows.push({ preview: 'plain preview', name: 'Named needle', createdAt: T + 101, updatedAt: T + 101 });
  rows.push({ preview: 'archived 50% thing', archived: true, createdAt: T + 102, updatedAt: T + 102 });
  const ids = seedThreads(home.dir, rows);
  const c = stdioServer(t, home.dir);
  await c.initialize();

  const cases: [string, string[]][] = [
    ['50%', ['50% off']],
    ['%', ['100%_done', '50% off']],
    ['a_b', ['a_b test']],
    ['_', ['100%_done', 'a_b test']],
    ['%_', ['100%_done']],
    ["'", ["'; DROP TABLE threads; --", "it's quoted"]],
    ['"hi"', ['say "hi"']],
    ['"', ['say "hi"']],
    ['*', ['glob * star']],
    ['glob * star', ['glob * star']],
    ['\\', ['back\\slash']],
    ['back\\slash', ['back\\slash']],
    ['[abc]', ['[abc] brackets']],
    ['[a', ['[abc] brackets']],
    ['Foo', ['Foo Bar']],
    ['foo', ['foo bar']],
    ['FOO', ['FOO']],
    ['OO', ['FOO']],
    ["'; DROP TABLE threads; --", ["'; DROP TABLE threads; --"]],
    ['needle', ['Named needle']],
    ['renamed', ['renamed thread']],
    ['preview', []],
    ['no such title', []],
  ];
  for (const [term, expected] of cases) {
    assert.deepEqual(await search(c, term), [...expected].sort(), `searchTerm ${JSON.stringify(term)}`);
  }
  // Archived threads are searched only with archived:true.
  assert.deepEqual(await search(c, '50%', true), ['archived 50% thing']);

  // Renaming over the wire changes what search sees, immediately.
  const fooBar = ids[PREVIEWS.indexOf('foo bar')]!;
  await c.request('thread/name/set', { threadId: fooBar, name: 'Fooled you' });
  assert.deepEqual(await search(c, 'Foo'), ['Foo Bar', 'Fooled you']);
  assert.deepEqual(await search(c, 'foo'), [], 'the old preview no longer matches once a name is set');

  // The injection attempt changed nothing: all rows are still listed.
  const all = await c.request<ThreadListResult>('thread/list', { limit: 100 });
  assert.equal(all.data.length, rows.length - 1);
});

// Title search bounds its term like thread/search (docs/architecture.md#bounded-everything: 1,000 characters,
// -32600). Unbounded, a long term became an FTS5 query of a third as many AND-ed trigrams, which grows
// quadratically: 100k characters held the server 2.7 s, 1M characters (a 10 MB frame allows it) 4 minutes.
test('a title search term past 1,000 characters is -32600, at once', async (t) => {
  const { home } = await homeFixture(t);
  seedThreads(home.dir, [{ preview: 'x'.repeat(1000), createdAt: T, updatedAt: T }]);
  const c = stdioServer(t, home.dir);
  await c.initialize();
  assert.deepEqual(await search(c, 'x'.repeat(1000)), ['x'.repeat(1000)], 'a term of 1,000 characters is searched');
  for (const n of [1001, 300_000]) {
    const started = Date.now();
    const err = await c.requestError('thread/list', { searchTerm: 'abcdefghij'.repeat(n / 10 + 1).slice(0, n) });
    assert.equal(err.code, -32600, `${n} characters`);
    assert.match(err.message, /searchTerm must be at most 1000 characters/);
    assert.ok(Date.now() - started < 2000, `${n} characters answered in ${Date.now() - started} ms`);
  }
});
