// The methods the Codex TUI (0.169) calls at startup and for its commands, against the real server: model/list
// (a mock provider whose /models lists two models, an unreachable one, the built-in openai presets), the
// neutral catalog answers, thread history paging, the read receipt and fuzzyFileSearch. The key sets asserted
// here are the ones the reference app-server 0.169 answers with for the same calls.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer } from '../../testkit/mock-responses-server';
import { sse } from '../../testkit/responses-sse';
import { stdioServer } from '../support/fixtures';
import { createTempHome } from '../support/home';
import type { StdioClient } from '../support/server-process';
import type { ThreadSessionResult } from '../support/wire';

/** The reference's `Model` keys (model/list with an empty CODEX_HOME). */
const MODEL_KEYS = [
  'additionalSpeedTiers', 'availabilityNux', 'availableAccessPrograms', 'defaultReasoningEffort', 'defaultServiceTier', 'description',
  'displayName', 'hidden', 'id', 'inputModalities', 'isDefault', 'model', 'modelSpecialty', 'multiAgentVersion', 'serviceTiers',
  'supportedReasoningEfforts', 'supportsPersonality', 'upgrade', 'upgradeInfo',
];
/** The reference 0.169's default presets, in its order, and the hidden ones among them. */
const VISIBLE_PRESETS = ['gpt-6.1-sol', 'gpt-6-astra', 'gpt-6-sol', 'gpt-6-luna', 'gpt-5.6-sol', 'gpt-6.1-terra', 'gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.5'];
const HIDDEN_PRESETS = ['gpt-daybreak-blue-latest', 'gpt-daybreak-red-latest', 'codex-auto-review'];

interface Model {
  id: string;
  model: string;
  displayName: string;
  description: string;
  hidden: boolean;
  isDefault: boolean;
  supportedReasoningEfforts: { reasoningEffort: string; description: string }[];
  defaultReasoningEffort: string;
  [k: string]: unknown;
}
interface Page<T> {
  data: T[];
  nextCursor: string | null;
  backwardsCursor?: string | null;
}
interface ListedTurn {
  id: string;
  status: string;
  itemsView: string;
  items: { type: string; id: string; [k: string]: unknown }[];
}
interface ItemEntry {
  turnId: string;
  item: { type: string; id: string; text?: string; [k: string]: unknown };
  startedAtMs: number | null;
  completedAtMs: number | null;
}
interface ReadState {
  firstUnread: { type: 'threadStart' } | { type: 'turn'; turnId: string } | null;
  revision: string;
}

const sorted = (o: object) => Object.keys(o).sort();

async function mockHome(t: TestContext, opts: { models?: unknown; baseUrl?: string; extra?: string } = {}) {
  const mock: MockResponsesServer = await startMockResponsesServer({ models: opts.models, fallback: sse.message('fallback answer') });
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-work-'));
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: opts.baseUrl ?? mock.url, extra: opts.extra }));
  t.after(async () => {
    await mock.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  return { mock, home, work };
}

async function client(t: TestContext, home: string, opts: { experimentalApi?: boolean; args?: string[] } = {}): Promise<StdioClient> {
  const c = stdioServer(t, home, opts.args ?? []);
  await c.initialize({ experimentalApi: opts.experimentalApi ?? true });
  return c;
}

async function runTurn(c: StdioClient, threadId: string, text: string): Promise<string> {
  const { turn } = await c.request<{ turn: { id: string } }>('turn/start', { threadId, input: [{ type: 'text', text }] });
  await c.readUntilNotification<{ turn: { id: string } }>('turn/completed', (p) => p.turn.id === turn.id);
  return turn.id;
}

test('model/list: the configured model (default) first, then what the provider’s GET /models lists, paged', async (t) => {
  const { mock, home } = await mockHome(t, { models: { object: 'list', data: [{ id: 'alpha-model', object: 'model' }, { id: 'beta-model', object: 'model' }] } });
  const c = await client(t, home);

  const all = await c.request<Page<Model>>('model/list', {});
  assert.deepEqual(all.data.map((m) => m.id), ['mock-model', 'alpha-model', 'beta-model']);
  assert.deepEqual(all.data.map((m) => m.isDefault), [true, false, false]);
  assert.equal(all.nextCursor, null);
  assert.ok(mock.allPaths.includes('GET /v1/models'), mock.allPaths.join(', '));
  for (const m of all.data) {
    assert.deepEqual(sorted(m), MODEL_KEYS);
    assert.equal(m.model, m.id);
    assert.equal(m.displayName, m.id);
    assert.equal(m.description, 'Served by Mock provider for test');
    assert.equal(m.hidden, false);
    assert.deepEqual(m.supportedReasoningEfforts.map((e) => e.reasoningEffort), ['low', 'medium', 'high', 'xhigh']);
    assert.deepEqual(m.inputModalities, ['text', 'image']);
    assert.deepEqual(m.serviceTiers, []);
  }

  const first = await c.request<Page<Model>>('model/list', { limit: 2 });
  assert.deepEqual(first.data.map((m) => m.id), ['mock-model', 'alpha-model']);
  assert.equal(first.nextCursor, '2');
  const second = await c.request<Page<Model>>('model/list', { limit: 2, cursor: first.nextCursor });
  assert.deepEqual(second.data.map((m) => m.id), ['beta-model']);
  assert.equal(second.nextCursor, null);
  // Like the reference, a limit of 0 counts as 1.
  assert.deepEqual((await c.request<Page<Model>>('model/list', { limit: 0 })).data.map((m) => m.id), ['mock-model']);
  // The TUI's own call: every field present, nulls included.
  const tui = await c.request<Page<Model>>('model/list', { modelProvider: null, cursor: null, limit: null, includeHidden: true });
  assert.equal(tui.data.length, 3);

  assert.deepEqual(await c.requestError('model/list', { cursor: 'zzz' }), { code: -32600, message: 'invalid cursor: "zzz"' });
  assert.deepEqual(await c.requestError('model/list', { limit: -1 }), { code: -32602, message: 'Invalid params: limit: Too small: expected number to be >=0' });
  assert.equal((await c.requestError('model/list', { includeHidden: 'yes' })).code, -32602);
  assert.deepEqual(await c.requestError('model/list', { modelProvider: 'nope' }), {
    code: -32600,
    message: 'model provider "nope" is not configured; add [model_providers.nope] to config.toml',
  });
});

test('model/list: an unreachable provider lists just the configured model', async (t) => {
  // A port nothing listens on: the mock is started and closed to find one.
  const dead = await startMockResponsesServer();
  const deadUrl = dead.url;
  await dead.close();
  const { home } = await mockHome(t, { baseUrl: deadUrl });
  const c = await client(t, home);
  const res = await c.request<Page<Model>>('model/list', {});
  assert.deepEqual(res.data.map((m) => [m.id, m.isDefault]), [['mock-model', true]]);
  assert.equal(res.nextCursor, null);
});

test('model/list: the built-in openai provider lists the reference presets; hidden ones only on request', async (t) => {
  const h = createTempHome();
  t.after(() => h.remove());
  const c = await client(t, h.dir, { args: ['-c', 'model="gpt-6-sol"'] });
  const visible = await c.request<Page<Model>>('model/list', {});
  assert.deepEqual(visible.data.map((m) => m.id), VISIBLE_PRESETS);
  assert.deepEqual(visible.data.filter((m) => m.isDefault).map((m) => m.id), ['gpt-6-sol']);
  const sol = visible.data.find((m) => m.id === 'gpt-6.1-sol')!;
  assert.equal(sol.displayName, 'GPT-6.1-Sol');
  assert.equal(sol.description, 'Latest workhorse model for coding and everyday work.');
  assert.equal(sol.defaultReasoningEffort, 'low');
  assert.deepEqual(sorted(sol), MODEL_KEYS);

  const withHidden = await c.request<Page<Model>>('model/list', { includeHidden: true });
  assert.equal(withHidden.data.length, VISIBLE_PRESETS.length + HIDDEN_PRESETS.length);
  assert.deepEqual(withHidden.data.filter((m) => m.hidden).map((m) => m.id), HIDDEN_PRESETS);
});

test('model/list: a configured openai model that is no preset is listed first as the default', async (t) => {
  const h = createTempHome();
  t.after(() => h.remove());
  const c = await client(t, h.dir, { args: ['-c', 'model="my-fine-tune"'] });
  const res = await c.request<Page<Model>>('model/list', { limit: 2 });
  assert.deepEqual(res.data.map((m) => [m.id, m.isDefault]), [['my-fine-tune', true], ['gpt-6.1-sol', false]]);
});

test('startup catalog: config requirements, skills, hooks, plugins, goals, in the reference shapes', async (t) => {
  const { home, work } = await mockHome(t);
  const c = await client(t, home, { experimentalApi: false });
  const { thread } = await c.request<ThreadSessionResult>('thread/start', { cwd: work });

  // The TUI sends `params: null` here.
  assert.deepEqual(await c.request('configRequirements/read', null), { requirements: null, supportsIndependentSpeedModes: true });
  assert.deepEqual(await c.request('configRequirements/read'), { requirements: null, supportsIndependentSpeedModes: true });

  assert.deepEqual(await c.request('skills/list', { cwds: [work], forceReload: true }), { data: [{ cwd: work, skills: [], errors: [] }] });
  const skillsDefault = await c.request<{ data: { cwd: string }[] }>('skills/list', {});
  assert.equal(skillsDefault.data.length, 1);
  assert.ok(path.isAbsolute(skillsDefault.data[0]!.cwd));

  assert.deepEqual(await c.request('hooks/list', { cwds: [work], threadId: null }), { data: [{ cwd: work, hooks: [], warnings: [], errors: [] }] });
  assert.deepEqual(await c.request('hooks/list', { threadId: thread.id }), { data: [{ cwd: work, hooks: [], warnings: [], errors: [] }] });
  assert.deepEqual(await c.requestError('hooks/list', { threadId: 'nope' }), { code: -32600, message: 'thread nope not found' });

  assert.deepEqual(await c.request('plugin/installed', { cwds: [work], installSuggestionPluginNames: null }), { marketplaces: [], marketplaceLoadErrors: [] });
  assert.equal((await c.requestError('plugin/installed', { cwds: 'x' })).code, -32602);

  assert.deepEqual(await c.request('thread/goal/get', { threadId: thread.id }), { goal: null });
  assert.deepEqual(await c.requestError('thread/goal/get', { threadId: 'nope' }), { code: -32600, message: 'thread nope not found' });
  assert.deepEqual(await c.requestError('thread/goal/get', {}), { code: -32602, message: 'Invalid params: threadId: Invalid input: expected string, received undefined' });

  // Experimental in the reference too: refused before any lookup.
  for (const [method, params] of [
    ['collaborationMode/list', {}],
    ['account/bedrock/checkGovCloudRequirements', {}],
    ['thread/backgroundTerminals/list', { threadId: 'nope' }],
    ['thread/readState/update', { threadId: 'nope', expectedRevision: 'x', operation: { type: 'read' } }],
  ] as const) {
    assert.deepEqual(await c.requestError(method, params), { code: -32600, message: `${method} requires experimentalApi capability` }, method);
  }
});

test('experimental catalog: collaboration modes, the Bedrock GovCloud check, background terminals', async (t) => {
  const { home } = await mockHome(t);
  const c = await client(t, home);
  const { thread } = await c.request<ThreadSessionResult>('thread/start', {});
  assert.deepEqual(await c.request('collaborationMode/list', {}), { data: [{ name: 'Default', mode: 'default', model: null, reasoning_effort: null }] });
  assert.deepEqual(await c.request('account/bedrock/checkGovCloudRequirements', {}), { isGovCloud: false, shouldWarn: false });
  assert.deepEqual(await c.request('thread/backgroundTerminals/list', { threadId: thread.id, limit: 10 }), { data: [], nextCursor: null });
  assert.deepEqual(await c.requestError('thread/backgroundTerminals/list', { threadId: 'nope' }), { code: -32600, message: 'thread nope not found' });
});

test('thread/turns/list and thread/items/list page a thread’s stored turns in both directions', async (t) => {
  const { mock, home, work } = await mockHome(t);
  const c = await client(t, home);
  const { thread } = await c.request<ThreadSessionResult>('thread/start', { cwd: work });
  const threadId = thread.id;
  assert.deepEqual(await c.request('thread/turns/list', { threadId, limit: 1 }), { data: [], nextCursor: null, backwardsCursor: null });

  mock.enqueue(sse.reasoningMessage('thinking it over', 'answer one'), sse.message('answer two'), sse.message('answer three'));
  const turnIds = [await runTurn(c, threadId, 'one'), await runTurn(c, threadId, 'two'), await runTurn(c, threadId, 'three')];

  // Default: newest first, items as a summary (no reasoning).
  const all = await c.request<Page<ListedTurn>>('thread/turns/list', { threadId });
  assert.deepEqual(all.data.map((x) => x.id), [...turnIds].reverse());
  assert.equal(all.nextCursor, null);
  assert.ok(all.data.every((x) => x.itemsView === 'summary' && x.status === 'completed'));
  assert.deepEqual(all.data[2]!.items.map((i) => i.type), ['userMessage', 'agentMessage']);

  const p1 = await c.request<Page<ListedTurn>>('thread/turns/list', { threadId, limit: 2 });
  assert.deepEqual(p1.data.map((x) => x.id), [turnIds[2], turnIds[1]]);
  assert.equal(typeof p1.nextCursor, 'string');
  const p2 = await c.request<Page<ListedTurn>>('thread/turns/list', { threadId, limit: 2, cursor: p1.nextCursor });
  assert.deepEqual(p2.data.map((x) => x.id), [turnIds[0]]);
  assert.equal(p2.nextCursor, null);
  // The backwards cursor, with the other direction, starts again at the page's first turn.
  const back = await c.request<Page<ListedTurn>>('thread/turns/list', { threadId, sortDirection: 'asc', cursor: p2.backwardsCursor });
  assert.deepEqual(back.data.map((x) => x.id), turnIds);

  const full = await c.request<Page<ListedTurn>>('thread/turns/list', { threadId, sortDirection: 'asc', itemsView: 'full', limit: 1 });
  assert.deepEqual(full.data[0]!.items.map((i) => i.type), ['userMessage', 'reasoning', 'agentMessage']);
  assert.equal(full.data[0]!.itemsView, 'full');
  const bare = await c.request<Page<ListedTurn>>('thread/turns/list', { threadId, itemsView: 'notLoaded', limit: 3 });
  assert.ok(bare.data.every((x) => x.items.length === 0 && x.itemsView === 'notLoaded'));
  assert.deepEqual(sorted(bare.data[0]!), ['completedAt', 'durationMs', 'error', 'id', 'items', 'itemsView', 'rootTurnId', 'startedAt', 'status']);

  // Items: oldest first across turns, followed page by page.
  const seen: ItemEntry[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 10; i += 1) {
    const page: Page<ItemEntry> = await c.request<Page<ItemEntry>>('thread/items/list', { threadId, limit: 2, cursor });
    seen.push(...page.data);
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  assert.deepEqual(seen.map((e) => e.item.type), ['userMessage', 'reasoning', 'agentMessage', 'userMessage', 'agentMessage', 'userMessage', 'agentMessage']);
  assert.deepEqual([...new Set(seen.map((e) => e.turnId))], turnIds);
  assert.deepEqual(sorted(seen[0]!), ['completedAtMs', 'item', 'startedAtMs', 'turnId']);
  // When each item started and ended, as its records keep it.
  for (const e of seen) assert.ok(typeof e.startedAtMs === 'number' && typeof e.completedAtMs === 'number' && e.startedAtMs <= e.completedAtMs, JSON.stringify(e));
  assert.deepEqual(
    seen.filter((e) => e.item.type === 'agentMessage').map((e) => e.item.text),
    ['answer one', 'answer two', 'answer three'],
  );

  const newest = await c.request<Page<ItemEntry>>('thread/items/list', { threadId, sortDirection: 'desc', limit: 1 });
  assert.equal(newest.data[0]!.item.text, 'answer three');
  const ofTurn = await c.request<Page<ItemEntry>>('thread/items/list', { threadId, turnId: turnIds[0] });
  assert.deepEqual(ofTurn.data.map((e) => e.item.type), ['userMessage', 'reasoning', 'agentMessage']);
  // The reference's exclusive item anchor, within a turn.
  const afterUser = await c.request<Page<ItemEntry>>('thread/items/list', { threadId, turnId: turnIds[0], cursor: { type: 'item', itemId: ofTurn.data[0]!.item.id } });
  assert.deepEqual(afterUser.data.map((e) => e.item.type), ['reasoning', 'agentMessage']);
  assert.deepEqual(await c.request('thread/items/list', { threadId, turnId: 'no-such-turn' }), { data: [], nextCursor: null, backwardsCursor: null });

  assert.equal((await c.requestError('thread/items/list', { threadId, cursor: { type: 'item', itemId: 'x' } })).code, -32600);
  assert.deepEqual(await c.requestError('thread/turns/list', { threadId, cursor: 'garbage' }), { code: -32600, message: 'invalid cursor: "garbage"' });
  // A turns cursor is no items cursor.
  assert.equal((await c.requestError('thread/items/list', { threadId, cursor: p1.nextCursor })).code, -32600);
  assert.deepEqual(await c.requestError('thread/turns/list', { threadId: 'nope' }), { code: -32600, message: 'thread nope not found' });
  assert.equal((await c.requestError('thread/turns/list', { threadId, sortDirection: 'sideways' })).code, -32602);
  assert.equal((await c.requestError('thread/items/list', { threadId, limit: 1.5 })).code, -32602);
});

function listedThread(page: unknown, id: string): number {
  return (page as { data: { id: string; updatedAt: number }[] }).data.find((x) => x.id === id)!.updatedAt;
}

test('thread/readState/update: revisions guard read and unread, and every change is announced', async (t) => {
  const { home } = await mockHome(t);
  const c = await client(t, home);
  const { thread } = await c.request<ThreadSessionResult>('thread/start', {});
  const threadId = thread.id;
  const first = await runTurn(c, threadId, 'one');
  await runTurn(c, threadId, 'two');

  // A stale revision: the conflict carries the current receipt (every settled turn is unread so far).
  const conflict = await c.requestError('thread/readState/update', { threadId, expectedRevision: 'stale', operation: { type: 'read' } });
  assert.equal(conflict.code, -32600);
  assert.equal(conflict.message, 'read state changed');
  const { reason, readState } = conflict.data as { reason: string; readState: ReadState };
  assert.equal(reason, 'readStateConflict');
  assert.deepEqual(readState.firstUnread, { type: 'turn', turnId: first });

  const read = await c.request<{ readState: ReadState }>('thread/readState/update', { threadId, expectedRevision: readState.revision, operation: { type: 'read' } });
  assert.equal(read.readState.firstUnread, null);
  assert.notEqual(read.readState.revision, readState.revision);
  const changed = await c.readUntilNotification<{ threadId: string; readState: ReadState }>('thread/readState/changed');
  assert.deepEqual(changed.params, { threadId, readState: read.readState });

  // The old revision no longer matches.
  assert.equal((await c.requestError('thread/readState/update', { threadId, expectedRevision: readState.revision, operation: { type: 'unread' } })).message, 'read state changed');

  const unread = await c.request<{ readState: ReadState }>('thread/readState/update', { threadId, expectedRevision: read.readState.revision, operation: { type: 'unread' } });
  assert.deepEqual(unread.readState.firstUnread, { type: 'threadStart' });

  // A new turn after a read is the first unread one.
  const again = await c.request<{ readState: ReadState }>('thread/readState/update', { threadId, expectedRevision: unread.readState.revision, operation: { type: 'read' } });
  const third = await runTurn(c, threadId, 'three');
  const stale = await c.requestError('thread/readState/update', { threadId, expectedRevision: again.readState.revision, operation: { type: 'read' } });
  assert.deepEqual((stale.data as { readState: ReadState }).readState.firstUnread, { type: 'turn', turnId: third });

  const { thread: ephemeral } = await c.request<ThreadSessionResult>('thread/start', { ephemeral: true });
  assert.deepEqual(await c.requestError('thread/readState/update', { threadId: ephemeral.id, expectedRevision: 'x', operation: { type: 'read' } }), {
    code: -32600,
    message: `thread read state unavailable: thread ${ephemeral.id} is ephemeral`,
  });
  assert.deepEqual(await c.requestError('thread/readState/update', { threadId: 'nope', expectedRevision: 'x', operation: { type: 'read' } }), {
    code: -32600,
    message: 'thread nope not found',
  });
  assert.equal((await c.requestError('thread/readState/update', { threadId, expectedRevision: 'x', operation: { type: 'bogus' } })).code, -32602);

  // thread/list carries the page's receipts; ephemeral threads have none.
  const listed = await c.request<{ readStates: Record<string, ReadState> | null }>('thread/list', {});
  assert.deepEqual(listed.readStates, { [threadId]: (stale.data as { readState: ReadState }).readState });

  // Receipts are durable: after a crash and restart the same receipt and revision.
  const before = (stale.data as { readState: ReadState }).readState;
  await c.server.kill('SIGKILL');
  const restarted = await client(t, home);
  const after = await restarted.requestError('thread/readState/update', { threadId, expectedRevision: 'stale', operation: { type: 'read' } });
  assert.deepEqual((after.data as { readState: ReadState }).readState, before);
  const marked = await restarted.request<{ readState: ReadState }>('thread/readState/update', { threadId, expectedRevision: before.revision, operation: { type: 'read' } });
  assert.equal(marked.readState.firstUnread, null);
  // Marking read does not make the thread more recent.
  const order = await restarted.request<{ data: { id: string; updatedAt: number }[] }>('thread/list', {});
  assert.equal(order.data[0]!.updatedAt, listedThread(listed, threadId));
});

test('fuzzyFileSearch finds a file by a fuzzy query, skipping .git and node_modules', async (t) => {
  const h = createTempHome();
  const root = mkdtempSync(path.join(os.tmpdir(), 'codex-web-fuzzy-'));
  t.after(() => {
    h.remove();
    rmSync(root, { recursive: true, force: true });
  });
  mkdirSync(path.join(root, 'src', 'deep'), { recursive: true });
  mkdirSync(path.join(root, 'node_modules', 'widget-parser'), { recursive: true });
  mkdirSync(path.join(root, '.git'), { recursive: true });
  writeFileSync(path.join(root, 'src', 'deep', 'widget_parser.ts'), 'export {};\n');
  writeFileSync(path.join(root, 'src', 'wide.ts'), '\n');
  writeFileSync(path.join(root, 'README.md'), '# hi\n');
  writeFileSync(path.join(root, 'node_modules', 'widget-parser', 'widget_parser.js'), '\n');
  writeFileSync(path.join(root, '.git', 'widget_parser_head'), '\n');
  const c = await client(t, h.dir, { experimentalApi: false });

  const query = 'wdgprs';
  const { files } = await c.request<{ files: { root: string; path: string; match_type: string; file_name: string; score: number; indices: number[] }[] }>(
    'fuzzyFileSearch',
    { query, roots: [root], cancellationToken: null },
  );
  assert.deepEqual(files.map((f) => f.path), ['src/deep/widget_parser.ts']);
  const [hit] = files;
  assert.deepEqual(sorted(hit!), ['file_name', 'indices', 'match_type', 'path', 'root', 'score']);
  assert.equal(hit!.root, root);
  assert.equal(hit!.file_name, 'widget_parser.ts');
  assert.equal(hit!.match_type, 'file');
  assert.ok(Number.isInteger(hit!.score) && hit!.score > 0);
  assert.equal(hit!.indices.map((i) => hit!.path[i]).join(''), query);
  // The file-name match is preferred: the indices sit in the last segment.
  assert.ok(hit!.indices.every((i) => i >= 'src/deep/'.length), JSON.stringify(hit!.indices));

  const dirs = await c.request<{ files: { path: string; match_type: string }[] }>('fuzzyFileSearch', { query: 'deep', roots: [root] });
  assert.equal(dirs.files[0]!.path, 'src/deep');
  assert.equal(dirs.files[0]!.match_type, 'directory');
  const best = await c.request<{ files: { path: string }[] }>('fuzzyFileSearch', { query: 'wide', roots: [root] });
  assert.equal(best.files[0]!.path, 'src/wide.ts');

  assert.deepEqual(await c.request('fuzzyFileSearch', { query: '', roots: [root] }), { files: [] });
  assert.deepEqual(await c.request('fuzzyFileSearch', { query: 'readme', roots: [path.join(root, 'missing')] }), { files: [] });
  assert.equal((await c.requestError('fuzzyFileSearch', { query: 'x' })).code, -32602);
  assert.equal((await c.requestError('fuzzyFileSearch', { query: 1, roots: [] })).code, -32602);
});
