// What the Codex TUI (0.169) sends that the reference app-server 0.169 accepts: thread/list with the
// `recency_at` and `section_position` sort keys, /resume's `sourceKinds: ["cli","vscode"]`, and thread/start
// with a `namespace` dynamic tool whose nested functions the model calls (function_call with `namespace`).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer } from '../../testkit/mock-responses-server';
import { out, sse } from '../../testkit/responses-sse';
import { startStdioServer, type StdioClient } from '../support/server-process';
import type { ThreadSessionResult } from '../support/wire';

interface ListedThread {
  id: string;
  source: string;
  createdAt: number;
  updatedAt: number;
}
interface Page {
  data: ListedThread[];
  nextCursor: string | null;
}
interface ItemParams {
  threadId: string;
  turnId: string;
  turn: { id: string; status: string };
  item: { type: string; id: string; [k: string]: unknown };
}

async function setup(t: TestContext) {
  const mock: MockResponsesServer = await startMockResponsesServer();
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-list-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-list-work-'));
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url }));
  const c = startStdioServer({ home, args: [] });
  t.after(async () => {
    c.server.kill();
    await mock.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  await c.initialize({ experimentalApi: true });
  return { c, mock, work };
}

/**
 * Three threads created in order a, b, c (each named at once, since a thread with neither a message nor a name is
 * not listed); then a is renamed, so it is the most recently active.
 */
async function threeThreads(c: StdioClient, work: string) {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = (await c.request<ThreadSessionResult>('thread/start', { cwd: work })).thread.id;
    await c.request('thread/name/set', { threadId: id, name: `thread ${i}` });
    ids.push(id);
    await sleep(5);
  }
  await c.request('thread/name/set', { threadId: ids[0], name: 'renamed' });
  const [a, b, cc] = ids as [string, string, string];
  return { a, b, c: cc };
}

async function pageThrough(c: StdioClient, params: Record<string, unknown>): Promise<{ ids: string[]; cursors: string[] }> {
  const ids: string[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 20; guard++) {
    const page: Page = await c.request<Page>('thread/list', { ...params, limit: 1, cursor });
    ids.push(...page.data.map((x) => x.id));
    if (!page.nextCursor) return { ids, cursors };
    cursors.push(page.nextCursor);
    cursor = page.nextCursor;
  }
  throw new Error('paging did not end');
}

test('thread/list accepts sortKey recency_at (ordered like updated_at) with cursors of its own', async (t) => {
  const { c, work } = await setup(t);
  const th = await threeThreads(c, work);
  const byKey = async (sortKey: string) => (await c.request<Page>('thread/list', { sortKey })).data.map((x) => x.id);
  assert.deepEqual(await byKey('created_at'), [th.c, th.b, th.a]);
  assert.deepEqual(await byKey('updated_at'), [th.a, th.c, th.b]);
  assert.deepEqual(await byKey('recency_at'), [th.a, th.c, th.b], 'recency_at is the last activity: updated_at');

  for (const [sortKey, order] of [['recency_at', [th.a, th.c, th.b]], ['updated_at', [th.a, th.c, th.b]], ['created_at', [th.c, th.b, th.a]]] as const) {
    const { ids, cursors } = await pageThrough(c, { sortKey });
    assert.deepEqual(ids, order, `${sortKey}: paging by one`);
    assert.equal(cursors.length, 2, `${sortKey}: two cursors`);
  }
  // A cursor belongs to the sortKey it was issued for, recency_at and updated_at included.
  const { cursors } = await pageThrough(c, { sortKey: 'recency_at' });
  for (const other of ['updated_at', 'created_at']) {
    const err = await c.requestError('thread/list', { sortKey: other, cursor: cursors[0] });
    assert.equal(err.code, -32600);
    assert.match(err.message, /invalid cursor: it was issued for sortKey "recency_at"/);
  }
  const updatedCursor = (await pageThrough(c, { sortKey: 'updated_at' })).cursors[0];
  assert.match((await c.requestError('thread/list', { sortKey: 'recency_at', cursor: updatedCursor })).message, /invalid cursor/);
});

test('thread/list sortKey section_position: as the reference, it needs a section filter; we keep no sections', async (t) => {
  const { c, work } = await setup(t);
  const th = await threeThreads(c, work);
  const needsFilter = { code: -32600, message: 'section-position sorting requires a section filter' };
  assert.deepEqual(await c.requestError('thread/list', { sortKey: 'section_position' }), needsFilter);
  assert.deepEqual(await c.requestError('thread/list', { sortKey: 'section_position', sectionId: null }), needsFilter);
  // No thread is in any section.
  const empty = { data: [], nextCursor: null, backwardsCursor: null, readStates: {} };
  assert.deepEqual(await c.request('thread/list', { sortKey: 'section_position', sectionId: 'sec_1', limit: 1 }), empty);
  assert.deepEqual(await c.request('thread/list', { sortKey: 'updated_at', sectionId: 'sec_1' }), empty);
  // `sectionId: null` (unsectioned threads) is every thread.
  assert.deepEqual((await c.request<Page>('thread/list', { sortKey: 'recency_at', sectionId: null })).data.map((x) => x.id), [th.a, th.c, th.b]);
});

test("thread/list sourceKinds: /resume's [cli, vscode] lists the threads we start, as the reference lists its own", async (t) => {
  const { c, work } = await setup(t);
  const th = await threeThreads(c, work);
  const list = async (params: Record<string, unknown>) => (await c.request<Page>('thread/list', params)).data;
  const all = await list({});
  assert.deepEqual(all.map((x) => x.id), [th.c, th.b, th.a]);
  assert.ok(all.every((x) => x.source === 'appServer'), 'the wire source is unchanged');
  assert.deepEqual(await list({ sourceKinds: ['cli', 'vscode'] }), all);
  assert.deepEqual(await list({ sourceKinds: ['vscode'] }), all);
  assert.deepEqual(await list({ sourceKinds: ['appServer'] }), all);
  assert.deepEqual(await list({ sourceKinds: [] }), all);
  assert.deepEqual(await list({ sourceKinds: ['cli'] }), []);
  assert.deepEqual(await list({ sourceKinds: ['exec', 'subAgent'] }), []);
  // Paging under the filter.
  assert.deepEqual((await pageThrough(c, { sourceKinds: ['cli', 'vscode'], sortKey: 'recency_at' })).ids, [th.a, th.c, th.b]);
});

const NAMESPACE = {
  type: 'namespace',
  name: 'codex_tui',
  description: 'Tools of the Codex TUI',
  tools: [
    { type: 'function', name: 'open_file', description: 'Open a file in the TUI', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
    { type: 'function', name: 'lazy_tool', description: 'Loaded on demand', inputSchema: { type: 'object', properties: {} }, deferLoading: true },
  ],
};

test('thread/start with a namespace dynamic tool: offered as the reference does, its calls reach the client and back', async (t) => {
  const { c, mock, work } = await setup(t);
  const flat = { type: 'function', name: 'flat_tool', description: 'A plain function', inputSchema: { type: 'object', properties: {} } };
  const allDeferred = { type: 'namespace', name: 'all_lazy', description: 'x', tools: [{ type: 'function', name: 'z', description: 'z', inputSchema: { type: 'object' }, deferLoading: true }] };
  const { thread } = await c.request<ThreadSessionResult>('thread/start', { cwd: work, dynamicTools: [NAMESPACE, flat, allDeferred] });

  mock.enqueue(
    sse.response([out.functionCall('open_file', { path: 'README.md' }, 'call_ns', { namespace: 'codex_tui' })]),
    sse.response([out.functionCall('open_file', { path: 'x' }, 'call_bare')]),
    sse.message('opened'),
  );
  const { turn } = await c.request<{ turn: { id: string } }>('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'open the readme' }] });

  const call = await c.readUntilServerRequest<Record<string, unknown>>('item/tool/call');
  assert.deepEqual(call.params, { threadId: thread.id, turnId: turn.id, callId: 'call_ns', namespace: 'codex_tui', tool: 'open_file', arguments: { path: 'README.md' } });
  c.respond(call.id, { contentItems: [{ type: 'inputText', text: 'README.md is open' }], success: true });
  const item = await c.readUntilNotification<ItemParams>('item/completed', (p) => p.item.type === 'dynamicToolCall');
  assert.deepEqual([item.params.item.namespace, item.params.item.tool, item.params.item.status], ['codex_tui', 'open_file', 'completed']);
  await c.readUntilNotification<ItemParams>('turn/completed', (p) => p.turn.id === turn.id);

  const requests = await mock.waitForRequests(3);
  const tools = requests[0]!.body!.tools as { type: string; name: string }[];
  assert.deepEqual(
    tools.filter((x) => ['codex_tui', 'flat_tool', 'all_lazy'].includes(x.name)),
    [
      // The deferred function is left out, and a namespace with nothing left is not offered.
      { type: 'namespace', name: 'codex_tui', description: 'Tools of the Codex TUI', tools: [{ type: 'function', name: 'open_file', description: 'Open a file in the TUI', parameters: NAMESPACE.tools[0]!.inputSchema }] },
      { type: 'function', name: 'flat_tool', description: 'A plain function', parameters: flat.inputSchema },
    ],
  );
  const input2 = requests[1]!.body!.input as Record<string, unknown>[];
  assert.deepEqual(input2.slice(-2).map((x) => [x.type, x.namespace ?? null, x.output ?? null]), [
    ['function_call', 'codex_tui', null],
    ['function_call_output', null, 'README.md is open'],
  ]);
  // A namespace's function is not callable without its namespace (as in the reference).
  const input3 = requests[2]!.body!.input as Record<string, unknown>[];
  assert.deepEqual(input3.at(-1), { type: 'function_call_output', call_id: 'call_bare', output: 'unsupported call: open_file' });

  const read = await c.request<{ thread: { turns: { items: { type: string; namespace?: string | null; tool?: string }[] }[] } }>('thread/read', { threadId: thread.id, includeTurns: true });
  const stored = read.thread.turns[0]!.items.filter((i) => i.type === 'dynamicToolCall');
  assert.deepEqual(stored.map((i) => [i.namespace, i.tool]), [['codex_tui', 'open_file']]);
});

test("a namespace's deferred function is still routed; a deferred function outside a namespace is refused as the reference does", async (t) => {
  const { c, mock, work } = await setup(t);
  assert.deepEqual(
    await c.requestError('thread/start', { cwd: work, dynamicTools: [{ type: 'function', name: 'solo', description: '', inputSchema: {}, deferLoading: true }] }),
    { code: -32600, message: 'deferred dynamic tool must include a namespace: solo' },
  );
  const { thread } = await c.request<ThreadSessionResult>('thread/start', { cwd: work, dynamicTools: [NAMESPACE] });
  mock.enqueue(sse.response([out.functionCall('lazy_tool', {}, 'call_lazy', { namespace: 'codex_tui' })]), sse.message('done'));
  await c.request('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'go' }] });
  const call = await c.readUntilServerRequest<{ namespace: string; tool: string }>('item/tool/call');
  assert.deepEqual([call.params.namespace, call.params.tool], ['codex_tui', 'lazy_tool']);
  c.respond(call.id, { contentItems: [{ type: 'inputText', text: 'lazy answer' }], success: true });
  const requests = await mock.waitForRequests(2);
  assert.match(JSON.stringify(requests[1]!.body!.input), /lazy answer/);
});

test('thread/list sortDirection asc and backwardsCursor: the other way from a page, nothing skipped or repeated', async (t) => {
  const { c, work } = await setup(t);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const id = (await c.request<ThreadSessionResult>('thread/start', { cwd: work })).thread.id;
    await c.request('thread/name/set', { threadId: id, name: `t${i}` });
    ids.push(id);
    await sleep(3);
  }
  type Listed = Page & { backwardsCursor: string | null };
  const asc = await c.request<Listed>('thread/list', { sortKey: 'created_at', sortDirection: 'asc' });
  assert.deepEqual(asc.data.map((x) => x.id), ids);
  // The middle page newest first, then backwards from its first row: the newer ones, oldest first.
  const page1 = await c.request<Listed>('thread/list', { sortKey: 'created_at', limit: 2 });
  const page2 = await c.request<Listed>('thread/list', { sortKey: 'created_at', limit: 2, cursor: page1.nextCursor });
  assert.deepEqual(page2.data.map((x) => x.id), [ids[2], ids[1]]);
  const back = await c.request<Listed>('thread/list', { sortKey: 'created_at', sortDirection: 'asc', cursor: page2.backwardsCursor });
  assert.deepEqual(back.data.map((x) => x.id), [ids[3], ids[4]]);
  // Forward in asc from the start, in pages.
  const a1 = await c.request<Listed>('thread/list', { sortKey: 'created_at', sortDirection: 'asc', limit: 3 });
  const a2 = await c.request<Listed>('thread/list', { sortKey: 'created_at', sortDirection: 'asc', limit: 3, cursor: a1.nextCursor });
  assert.deepEqual([...a1.data, ...a2.data].map((x) => x.id), ids);
  assert.equal(a2.nextCursor, null);
  assert.equal((await c.request<Listed>('thread/list', { archived: true })).backwardsCursor, null);
  assert.equal((await c.requestError('thread/list', { sortDirection: 'sideways' })).code, -32602);
});
