// Live sync (docs/architecture.md#importing-codex-history): while our app-server runs with --codex-home, the
// reference app-server (0.169, mock provider) writes a session there; it shows up in our list within 2 s,
// grows with the next turn (a subscribed client gets its notifications), and is read-only here while written.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { referencePaths } from '../../scripts/ensure-reference.mjs';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer } from '../../testkit/mock-responses-server';
import { startReferenceAppServer } from '../../testkit/reference-app-server';
import { sse } from '../../testkit/responses-sse';
import { SERVER_ENTRY, startStdioServer } from '../support/server-process';

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Fresh temp folders (`codex-web-live-<name>-…`), removed after the test. */
function tempDirs<N extends string[]>(t: TestContext, ...names: N): { [K in keyof N]: string } {
  const dirs = names.map((n) => mkdtempSync(path.join(os.tmpdir(), `codex-web-live-${n}-`))) as { [K in keyof N]: string };
  t.after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return dirs;
}

/** Our app-server on `home`, keeping `codexHome` in sync live, initialized. */
async function syncingServer(t: TestContext, home: string, codexHome: string) {
  const ours = startStdioServer({ home, args: ['--codex-home', codexHome] });
  t.after(() => ours.server.kill());
  await ours.initialize({ experimentalApi: true });
  return ours;
}

/** The reference app-server writing its sessions into `codexHome`, answered by a mock model. */
async function referenceWriter(t: TestContext, codexHome: string) {
  const mock = await startMockResponsesServer();
  t.after(() => mock.close());
  const ref = await startReferenceAppServer({ codex: referencePaths().codex, home: codexHome, providerUrl: mock.url });
  t.after(() => ref.close());
  return { mock, ref };
}

/** Today's day folder of a Codex home (where the CLI writes, and the 500 ms poll looks), created. */
function todayDir(codexHome: string): string {
  const now = new Date();
  const dir = path.join(codexHome, 'sessions', String(now.getFullYear()), String(now.getMonth() + 1).padStart(2, '0'), String(now.getDate()).padStart(2, '0'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('a session the reference writes into a watched Codex home appears and grows within 2 s, read-only while written', async (t) => {
  const [codexHome, home, work] = tempDirs(t, 'codex', 'home', 'work');
  const ours = await syncingServer(t, home, codexHome);
  const { mock, ref } = await referenceWriter(t, codexHome);

  mock.enqueue(sse.message('Live answer about the Capybara.'), sse.message('A second live answer about the Okapi.'));
  const id = (await ref.request<{ thread: { id: string } }>('thread/start', { cwd: work })).thread.id;
  await ref.turn(id, 'live question one');
  const t0 = Date.now();
  await until('the thread listed', async () => (await ours.request<{ data: { id: string }[] }>('thread/list', { sourceKinds: [] })).data.some((x) => x.id === id), 2000);
  assert.ok(Date.now() - t0 <= 2000);
  // The rollout may still be mid-turn at that moment; its answer follows within the same 2 s.
  await until(
    'the first answer shown',
    async () => {
      const r = await ours.request<{ thread: { turns: { status: string; items: { type: string; text?: string }[] }[] } }>('thread/read', { threadId: id, includeTurns: true });
      return r.thread.turns.length === 1 && r.thread.turns[0]!.status === 'completed' && r.thread.turns[0]!.items.some((i) => i.text === 'Live answer about the Capybara.');
    },
    2000,
  );
  assert.ok(Date.now() - t0 <= 2000);

  // Subscribed (thread/resume), a client sees the next turn arrive as notifications.
  await ours.request('thread/resume', { threadId: id });
  // Being written by the CLI: no turns from here.
  await assert.rejects(ours.request('turn/start', { threadId: id, input: [{ type: 'text', text: 'hi' }] }), /being written by the Codex CLI/);
  await ref.turn(id, 'live question two');
  const t1 = Date.now();
  const n = await ours.readUntilNotification<{ threadId: string; item: { type: string; text?: string } }>('item/completed', (p) => p.threadId === id && p.item.type === 'agentMessage', 2000);
  assert.equal(n.params.item.text, 'A second live answer about the Okapi.');
  assert.ok(Date.now() - t1 <= 2000, `the answer arrived ${Date.now() - t1} ms after the reference finished its turn`);
  const found = await ours.request<{ data: { thread: { id: string } }[] }>('thread/search', { searchTerm: 'okapi' });
  assert.deepEqual(found.data.map((d) => d.thread.id), [id]);
});

test('a session file seen before its first message is announced (thread/started, once) when that message is written', async (t) => {
  const [codexHome, home] = tempDirs(t, 'codex', 'home');
  const ours = await syncingServer(t, home, codexHome);

  // Today's folder, as the CLI writes it: the session's meta line first, nothing else yet.
  const now = new Date();
  const dir = todayDir(codexHome);
  const id = '01a00000-0000-7000-8000-0000000000aa';
  const file = path.join(dir, `rollout-2026-12-02T00-00-00-${id}.jsonl`);
  const ts = now.toISOString();
  const line = (o: unknown) => `${JSON.stringify(o)}\n`;
  writeFileSync(file, line({ timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/tmp', originator: 'codex_cli_rs', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } }));
  await until('the bare session imported', async () => {
    try {
      return (await ours.request<{ thread: { id: string } }>('thread/read', { threadId: id })).thread.id === id;
    } catch {
      return false;
    }
  }, 3000);
  const listed = async () => (await ours.request<{ data: { id: string }[] }>('thread/list', { sourceKinds: [] })).data.some((x) => x.id === id);
  assert.equal(await listed(), false, 'no message, no name: not listed');
  const announced = () => ours.notificationsSeen().filter((n) => n.method === 'thread/started' && (n.params.thread as { id: string }).id === id);
  assert.equal(announced().length, 0, 'not announced while it is not listed');

  appendFileSync(
    file,
    line({ timestamp: ts, type: 'event_msg', payload: { type: 'task_started', turn_id: 'turn-1' } }) +
      line({ timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', turn_id: 'turn-1', item: { type: 'UserMessage', id: 'u1', content: [{ type: 'text', text: 'where do tapirs sleep' }] } } }),
  );
  const n = await ours.readUntilNotification<{ thread: { id: string; preview: string } }>('thread/started', (p) => p.thread.id === id, 3000);
  assert.equal(n.params.thread.preview, 'where do tapirs sleep');
  assert.equal(await listed(), true);

  // It grows on: still one announcement.
  appendFileSync(file, line({ timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', turn_id: 'turn-1', item: { type: 'AgentMessage', id: 'a1', content: [{ type: 'Text', text: 'in the water' }] } } }));
  await until('the answer imported', async () => (await ours.request<{ data: unknown[] }>('thread/search', { searchTerm: 'in the water' })).data.length === 1, 3000);
  assert.equal(announced().length, 1);
});

// The recent-folder poll took every name `rollout-*.jsonl` there, where the full scan takes regular files only:
// a FIFO of that name blocked the server in open() for good (no request answered), and a symlink was followed
// out of the Codex home. The poll now takes what the full scan takes.
test('the recent-folder poll takes regular files only: a FIFO does not hang the server, a symlink is not followed', async (t) => {
  const [codexHome, home, outside] = tempDirs(t, 'codex', 'home', 'outside');
  const ours = await syncingServer(t, home, codexHome);

  const now = new Date();
  const dir = todayDir(codexHome);
  const ts = now.toISOString();
  const rollout = (id: string, words: string) =>
    [
      { timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/tmp', originator: 'codex_cli_rs', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } },
      { timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: words } },
    ]
      .map((l) => `${JSON.stringify(l)}\n`)
      .join('');
  const linked = '01a00000-0000-7000-8000-0000000000bb';
  const real = '01a00000-0000-7000-8000-0000000000cc';
  execFileSync('mkfifo', [path.join(dir, 'rollout-2026-12-02T00-00-00-01a00000-0000-7000-8000-0000000000ff.jsonl')]);
  writeFileSync(path.join(outside, 'elsewhere.jsonl'), rollout(linked, 'a file outside the home'));
  symlinkSync(path.join(outside, 'elsewhere.jsonl'), path.join(dir, `rollout-2026-12-02T00-00-01-${linked}.jsonl`));
  writeFileSync(path.join(dir, `rollout-2026-12-02T00-00-02-${real}.jsonl`), rollout(real, 'a session of the home'));

  // A hung server answers nothing: each read gives up after a second.
  const read = async (id: string) => {
    try {
      return (await ours.readUntilResponse<{ thread: { id: string } }>(ours.send('thread/read', { threadId: id }), 1000)).result.thread.id === id;
    } catch {
      return false;
    }
  };
  await until('the regular rollout imported', () => read(real), 5000);
  assert.match((await ours.requestError('thread/read', { threadId: linked })).message, /not found/, 'the symlinked rollout is not imported');
  assert.deepEqual((await ours.request<{ data: { thread: { id: string } }[] }>('thread/search', { searchTerm: 'outside the home' })).data, []);
});

// The CLI archiving a session moves its rollout to archived_sessions/, unarchiving moves it back, unchanged, to
// the same path. Live sync only looked at files whose size differed from the last look at that path, so the
// path coming back with its old size was never looked at again: the thread stayed archived here for good.
test('a session archived and then unarchived by the reference follows both ways here', async (t) => {
  const [codexHome, home, work] = tempDirs(t, 'codex', 'home', 'work');
  const ours = await syncingServer(t, home, codexHome);
  const { mock, ref } = await referenceWriter(t, codexHome);
  mock.enqueue(sse.message('An answer about the Quoll.'));
  const id = (await ref.request<{ thread: { id: string } }>('thread/start', { cwd: work })).thread.id;
  await ref.turn(id, 'a question to archive');
  const listedIn = async (archived: boolean) => (await ours.request<{ data: { id: string }[] }>('thread/list', { archived, sourceKinds: [] })).data.some((x) => x.id === id);
  await until('the session imported', () => listedIn(false), 3000);
  // Quiet for a while, as a session is when a user archives it: live sync has seen its final size.
  await sleep(1500);
  await ref.request('thread/archive', { threadId: id });
  // The archive folder is looked at by the full scan, every 30 s.
  await until('archived here', () => listedIn(true), 35_000);
  await ref.request('thread/unarchive', { threadId: id });
  await until('unarchived here', () => listedIn(false), 35_000);
  assert.equal(await listedIn(true), false);
});

// `codex-web import` run on the home of a server that live-syncs the same Codex home: the server's importer went
// on from the offset it had read itself, so at its next look it imported again the lines the CLI import had just
// brought, and every one of them was stored twice (the model was sent the tool output twice). Each import now goes
// on from the committed offset, checked again in the transaction that writes. The loaded thread still learns of
// the lines the other process brought (its sequence moves past them: a turn here writes after them).
test('codex-web import beside a live-syncing server on the same home: no line imported twice, the loaded thread follows', async (t) => {
  const mock = await startMockResponsesServer();
  t.after(() => mock.close());
  const [codexHome, home] = tempDirs(t, 'codex', 'home');
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url }));
  // An old day folder: the server looks at it only in its full scan, every 30 s.
  const dir = path.join(codexHome, 'sessions', '2025', '01', '02');
  mkdirSync(dir, { recursive: true });
  const id = '01a00000-0000-7000-8000-0000000000dd';
  const file = path.join(dir, `rollout-2025-01-02T00-00-00-${id}.jsonl`);
  const ts = '2025-01-02T00:00:00.000Z';
  const line = (type: string, payload: unknown) => `${JSON.stringify({ timestamp: ts, type, payload })}\n`;
  const ev = (payload: unknown) => line('event_msg', payload);
  writeFileSync(
    file,
    line('session_meta', { id, timestamp: ts, cwd: codexHome, cli_version: '0.169.0', source: 'cli', model_provider: 'mock_provider' }) +
      line('turn_context', { model: 'mock-model', cwd: codexHome, approval_policy: 'never', sandbox_policy: { type: 'read-only' } }) +
      ev({ type: 'task_started', turn_id: 'cli-turn-1' }) +
      line('response_item', { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'first question' }] }) +
      ev({ type: 'item_completed', turn_id: 'cli-turn-1', item: { type: 'UserMessage', id: 'u1', content: [{ type: 'text', text: 'first question' }] } }) +
      ev({ type: 'task_complete', turn_id: 'cli-turn-1' }),
  );
  const ours = await syncingServer(t, home, codexHome);
  await until('the session imported', async () => (await ours.request<{ data: { id: string }[] }>('thread/list', { sourceKinds: [] })).data.some((x) => x.id === id), 3000);
  await ours.request('thread/resume', { threadId: id });

  // The CLI goes on; the user runs an import at once, before the server's next full scan.
  const scanned = Date.now();
  appendFileSync(
    file,
    ev({ type: 'task_started', turn_id: 'cli-turn-2' }) +
      line('response_item', { type: 'function_call_output', call_id: 'call-1', output: 'tool output of the second turn' }) +
      ev({ type: 'item_completed', turn_id: 'cli-turn-2', item: { type: 'AgentMessage', id: 'a2', content: [{ type: 'Text', text: 'answer about the Dugong' }] } }) +
      ev({ type: 'task_complete', turn_id: 'cli-turn-2' }),
  );
  const run = spawnSync(process.execPath, [SERVER_ENTRY, 'import', '--from', codexHome, '--home', home], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /0 new threads, 1 grown/);
  // The server's full scan comes within 30 s of its first; it tells the subscribed client of the new turn.
  const n = await ours.readUntilNotification<{ threadId: string; item: { id: string } }>('item/completed', (p) => p.threadId === id && p.item.id === 'a2', 35_000);
  assert.equal(n.params.threadId, id);
  await sleep(Math.max(0, 31_000 - (Date.now() - scanned)));

  const store = new Database(path.join(home, 'codex-web.sqlite'), { readonly: true });
  t.after(() => store.close());
  const count = (sql: string) => store.prepare(sql).pluck().get(id) as number;
  assert.equal(count("SELECT count(*) FROM rollout_records WHERE thread_id = ? AND kind = 'response_item' AND type = 'function_call_output'"), 1, 'the tool output stored once');
  assert.equal(count("SELECT count(*) FROM rollout_records WHERE thread_id = ? AND type = 'item_completed'"), 2, 'each item stored once');
  assert.equal(count("SELECT count(*) FROM rollout_records WHERE thread_id = ? AND type = 'turn_started'"), 2);

  // The quiet thread takes a turn here: it is written after the imported records, and the model sees each once.
  mock.enqueue(sse.message('our answer'));
  const started = await ours.request<{ turn: { id: string } }>('turn/start', { threadId: id, input: [{ type: 'text', text: 'a question from here' }] });
  await ours.readUntilNotification<{ threadId: string; turn: { id: string } }>('turn/completed', (p) => p.turn.id === started.turn.id, 10_000);
  const input = JSON.stringify(mock.requests.at(-1)!.body!.input);
  assert.equal(input.split('tool output of the second turn').length - 1, 1, input);
  const turns = (await ours.request<{ thread: { turns: { id: string; status: string }[] } }>('thread/read', { threadId: id, includeTurns: true })).thread.turns;
  assert.deepEqual(turns.slice(0, 2).map((x) => x.id), ['cli-turn-1', 'cli-turn-2']);
  assert.equal(turns.length, 3);
  assert.equal(turns[2]!.status, 'completed');
});
