// thread/search and thread/searchOccurrences over the wire (docs/protocol.md#search): words of agent answers
// and user messages found case-insensitively and literally, pages both ways, occurrences with UTF-16 ranges and
// a turnCursor thread/turns/list accepts, experimental gating as in the reference, and bad input refused.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer } from '../../testkit/mock-responses-server';
import { sse } from '../../testkit/responses-sse';
import { startStdioServer, type StdioClient } from '../support/server-process';
import type { ThreadSessionResult } from '../support/wire';

interface SearchPage {
  data: { thread: { id: string }; snippet: string }[];
  nextCursor: string | null;
  backwardsCursor: string | null;
}
interface Occurrences {
  data: { itemId: string; turnId: string; snippet: string; snippetMatchRange: { start: number; end: number }; turnCursor: string }[];
  nextCursor: string | null;
}

async function turn(c: StdioClient, threadId: string, text: string): Promise<string> {
  const { turn: t } = await c.request<{ turn: { id: string } }>('turn/start', { threadId, input: [{ type: 'text', text }] });
  await c.readUntilNotification<{ turn: { id: string } }>('turn/completed', (p) => p.turn.id === t.id);
  return t.id;
}

test('thread/search and thread/searchOccurrences find answers literally, page both ways, and refuse bad input', async (t) => {
  const mock = await startMockResponsesServer();
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-search-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-search-work-'));
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url }));
  const c = startStdioServer({ home });
  t.after(async () => {
    c.server.kill();
    await mock.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  await c.initialize({ experimentalApi: true });

  // Three threads, oldest first; the answers hold the words searched for.
  mock.enqueue(
    sse.message('The Zebra crossing is 100% _safe_ here.'),
    sse.message('Nothing to see.'),
    sse.message('Ünïcode zebra notes: zebra, ZEBRA and "quoted" *stars*.'),
    sse.message('A second answer in the third thread.'),
  );
  const ids: string[] = [];
  const turns: string[] = [];
  for (const text of ['first thread question', 'second thread question', 'third thread question']) {
    const id = (await c.request<ThreadSessionResult>('thread/start', { cwd: work })).thread.id;
    ids.push(id);
    turns.push(await turn(c, id, text));
  }
  const secondTurn = await turn(c, ids[2]!, 'one more question about the zebra');
  const [a, b, third] = ids as [string, string, string];
  const search = (params: Record<string, unknown>) => c.request<SearchPage>('thread/search', params);

  const all = await search({ searchTerm: 'zebra' });
  assert.deepEqual(all.data.map((d) => d.thread.id), [third, a], 'newest first (created_at), case-insensitive');
  assert.equal(all.nextCursor, null);
  assert.match(all.data[1]!.snippet, /The Zebra crossing/);
  assert.deepEqual((await search({ searchTerm: 'nothing to' })).data.map((d) => d.thread.id), [b]);
  assert.deepEqual((await search({ searchTerm: 'ÜNÏCODE' })).data.map((d) => d.thread.id), [third]);
  for (const [term, expected] of [['100%', [a]], ['_safe_', [a]], ['"quoted"', [third]], ['*stars*', [third]], ['%_', []], ['ze', [third, a]], ['q', [third, b, a]]] as const) {
    assert.deepEqual((await search({ searchTerm: term })).data.map((d) => d.thread.id), expected, `searchTerm ${JSON.stringify(term)}`);
  }
  assert.deepEqual((await search({ searchTerm: 'zebra', archived: true })).data, []);

  // Pages of one: forwards, then back from the second page.
  const p1 = await search({ searchTerm: 'zebra', limit: 1 });
  assert.deepEqual(p1.data.map((d) => d.thread.id), [third]);
  assert.ok(p1.nextCursor && p1.backwardsCursor);
  const p2 = await search({ searchTerm: 'zebra', limit: 1, cursor: p1.nextCursor });
  assert.deepEqual(p2.data.map((d) => d.thread.id), [a]);
  assert.equal(p2.nextCursor, null);
  const back = await search({ searchTerm: 'zebra', limit: 5, cursor: p2.backwardsCursor, sortDirection: 'asc' });
  assert.deepEqual(back.data.map((d) => d.thread.id), [a, third], 'the backwards cursor starts at the page it came from');
  assert.deepEqual((await search({ searchTerm: 'zebra', sortKey: 'updated_at' })).data.map((d) => d.thread.id), [third, a]);

  // Occurrences: every match in message order, ranges in UTF-16 units of the snippet.
  const occ = await c.request<Occurrences>('thread/searchOccurrences', { threadId: third, searchTerm: 'zebra' });
  assert.equal(occ.data.length, 4, JSON.stringify(occ.data));
  assert.deepEqual(occ.data.map((o) => o.turnId), [turns[2], turns[2], turns[2], secondTurn]);
  for (const o of occ.data) assert.equal(o.snippet.slice(o.snippetMatchRange.start, o.snippetMatchRange.end).toLowerCase(), 'zebra');
  assert.equal(new Set(occ.data.slice(0, 3).map((o) => o.itemId)).size, 1, 'three matches in one answer');
  assert.notEqual(occ.data[3]!.itemId, occ.data[0]!.itemId, 'then the next user message');
  const paged = await c.request<Occurrences>('thread/searchOccurrences', { threadId: third, searchTerm: 'zebra', limit: 3 });
  assert.equal(paged.data.length, 3);
  const rest = await c.request<Occurrences>('thread/searchOccurrences', { threadId: third, searchTerm: 'zebra', limit: 3, cursor: paged.nextCursor });
  assert.deepEqual(rest.data, [occ.data[3]]);
  assert.equal(rest.nextCursor, null);
  const listed = await c.request<{ data: { id: string }[] }>('thread/turns/list', { threadId: third, cursor: occ.data[3]!.turnCursor, sortDirection: 'asc' });
  assert.equal(listed.data[0]!.id, secondTurn, 'turnCursor opens thread/turns/list at the occurrence turn');

  // Bad input: -32602 for the shape, -32600 for what is wrong in it.
  assert.equal((await c.requestError('thread/search', {})).code, -32602);
  assert.equal((await c.requestError('thread/search', { searchTerm: 'x', cursor: 'not a cursor' })).code, -32600);
  assert.equal((await c.requestError('thread/search', { searchTerm: 'zebra', limit: 1, cursor: p1.nextCursor, sortKey: 'updated_at' })).code, -32600);
  assert.equal((await c.requestError('thread/search', { searchTerm: 'x'.repeat(1001) })).code, -32600);
  assert.match((await c.requestError('thread/searchOccurrences', { threadId: 'nope', searchTerm: 'x' })).message, /not found/);
  assert.equal((await c.requestError('thread/searchOccurrences', { threadId: third, searchTerm: 'other', cursor: paged.nextCursor })).code, -32600);

  // As in the reference, both methods need the experimental API.
  const plain = startStdioServer({ home });
  t.after(() => plain.server.kill());
  await plain.initialize({ experimentalApi: false });
  const gated = await plain.requestError('thread/search', { searchTerm: 'zebra' });
  assert.equal(gated.code, -32600);
  assert.match(gated.message, /experimentalApi/);
  assert.match((await plain.requestError('thread/searchOccurrences', { threadId: third, searchTerm: 'zebra' })).message, /experimentalApi/);
});
