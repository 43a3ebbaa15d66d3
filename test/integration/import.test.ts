// codex-web import against rollouts the pinned reference app-server (0.169) wrote itself, driven with the mock
// provider in this setup (never hand-written): ids, titles, archived state, turns and items equal the
// reference's own thread/read; a second import adds nothing; a grown rollout brings its new turn; a corrupt line
// is skipped and reported; a 300 MB rollout imports in bounded memory; the imported words are searchable.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { DB_FILE_NAME, openDb } from '../../db/client';
import { appendRollout } from '../../db/queries/rollout';
import { insertThread } from '../../db/queries/threads';
import { referencePaths } from '../../scripts/ensure-reference.mjs';
import { startMockResponsesServer } from '../../testkit/mock-responses-server';
import { startReferenceAppServer, type ReferenceAppServer } from '../../testkit/reference-app-server';
import { sse } from '../../testkit/responses-sse';
import { SERVER_ENTRY, startStdioServer } from '../support/server-process';

interface WireItem {
  type: string;
  id: string;
  text?: string;
  content?: { type: string; text?: string }[];
}
interface WireTurn {
  id: string;
  status: string;
  startedAt: number | null;
  completedAt: number | null;
  durationMs: number | null;
  items: WireItem[];
}
interface WireThread {
  id: string;
  name: string | null;
  preview: string;
  cwd: string;
  cliVersion: string;
  modelProvider: string;
  createdAt: number;
  turns: WireTurn[];
}

/** What both servers must agree on: the thread's identity and title, and every turn and item as shown. */
function view(t: WireThread) {
  return {
    id: t.id,
    name: t.name,
    preview: t.preview,
    cwd: t.cwd,
    cliVersion: t.cliVersion,
    modelProvider: t.modelProvider,
    createdAt: t.createdAt,
    turns: t.turns.map((turn) => ({
      id: turn.id,
      status: turn.status,
      startedAt: turn.startedAt,
      completedAt: turn.completedAt,
      durationMs: turn.durationMs,
      items: turn.items.map((i) => ({
        type: i.type,
        id: i.id,
        ...(i.type === 'agentMessage' ? { text: i.text } : {}),
        ...(i.type === 'userMessage' ? { content: (i.content ?? []).map((c) => ({ type: c.type, text: c.text })) } : {}),
      })),
    })),
  };
}

function runImport(home: string, from: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; peakRssKb: number }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [SERVER_ENTRY, 'import', '--from', from, '--home', home], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    p.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    p.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const poll = setInterval(() => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch {
        // exited
      }
    }, 25);
    p.on('exit', (code) => {
      clearInterval(poll);
      resolve({ code, stdout, stderr, peakRssKb: peak });
    });
  });
}

const counts = (stdout: string) => {
  const m = /imported (\d+) rollouts? .*: (\d+) new threads?, (\d+) grown, (\d+) unchanged/.exec(stdout);
  const bad = /(\d+) malformed lines? skipped/.exec(stdout);
  assert.ok(m && bad, stdout);
  return { imported: Number(m[1]), newThreads: Number(m[2]), grown: Number(m[3]), unchanged: Number(m[4]), malformed: Number(bad[1]) };
};

async function reference(t: TestContext, home: string, mockUrl: string): Promise<ReferenceAppServer> {
  const ref = await startReferenceAppServer({ codex: referencePaths().codex, home, providerUrl: mockUrl });
  t.after(() => ref.close());
  return ref;
}

function rolloutsUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.jsonl')) out.push(full);
    }
  };
  walk(dir);
  return out;
}

test('import of reference-written rollouts equals the reference thread/read; idempotent, incremental, corrupt lines counted', async (t) => {
  const mock = await startMockResponsesServer();
  t.after(() => mock.close());
  const codexHome = mkdtempSync(path.join(os.tmpdir(), 'codex-web-import-ref-'));
  const ourHome = mkdtempSync(path.join(os.tmpdir(), 'codex-web-import-home-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-import-work-'));
  t.after(() => {
    for (const d of [codexHome, ourHome, work]) rmSync(d, { recursive: true, force: true });
  });

  // The reference writes: thread A (two turns, one with a tool call, renamed), thread B (one turn, archived).
  let ref = await reference(t, codexHome, mock.url);
  mock.enqueue(
    sse.message('The migration plan uses Quokka tables, 100% literal.'),
    sse.functionCall('shell_command', { command: 'printf hi', workdir: null, timeout_ms: 5000 }, 'call_1'),
    sse.message('Second answer mentions the Narwhal index.'),
    sse.message('Archived thread answer about Axolotls.'),
  );
  const a = (await ref.request<{ thread: { id: string } }>('thread/start', { cwd: work })).thread.id;
  await ref.turn(a, 'first question about migrations');
  await ref.turn(a, 'now run something');
  await ref.request('thread/name/set', { threadId: a, name: 'Migration planning' });
  const b = (await ref.request<{ thread: { id: string } }>('thread/start', { cwd: work })).thread.id;
  await ref.turn(b, 'a thread that gets archived');
  await ref.request('thread/archive', { threadId: b });
  const refA = (await ref.request<{ thread: WireThread }>('thread/read', { threadId: a, includeTurns: true })).thread;
  const refB = (await ref.request<{ thread: WireThread }>('thread/read', { threadId: b, includeTurns: true })).thread;
  await ref.close();
  assert.equal(refA.turns.length, 2);
  assert.ok(rolloutsUnder(path.join(codexHome, 'archived_sessions')).length === 1, 'the reference moved B to archived_sessions');
  const before = rolloutsUnder(codexHome).map((f) => [f, statSync(f).size, statSync(f).mtimeMs]);

  const first = await runImport(ourHome, codexHome);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(counts(first.stdout), { imported: 2, newThreads: 2, grown: 0, unchanged: 0, malformed: 0 });
  assert.deepEqual(rolloutsUnder(codexHome).map((f) => [f, statSync(f).size, statSync(f).mtimeMs]), before, 'nothing written into the Codex home');

  const ours = startStdioServer({ home: ourHome });
  t.after(() => ours.server.kill());
  await ours.initialize({ experimentalApi: true });
  const read = async (id: string) => (await ours.request<{ thread: WireThread }>('thread/read', { threadId: id, includeTurns: true })).thread;
  assert.deepEqual(view(await read(a)), view(refA));
  assert.deepEqual(view(await read(b)), view(refB));
  const listed = async (archived: boolean) => (await ours.request<{ data: { id: string }[] }>('thread/list', { archived, sourceKinds: [] })).data.map((x) => x.id);
  assert.deepEqual(await listed(false), [a]);
  assert.deepEqual(await listed(true), [b]);
  // The imported words are searchable, titles too.
  const found = await ours.request<{ data: { thread: { id: string }; snippet: string }[] }>('thread/search', { searchTerm: 'narwhal' });
  assert.deepEqual(found.data.map((d) => d.thread.id), [a]);
  assert.match(found.data[0]!.snippet, /Narwhal index/);
  const occ = await ours.request<{ data: { itemId: string; turnId: string; snippet: string; snippetMatchRange: { start: number; end: number } }[] }>('thread/searchOccurrences', { threadId: a, searchTerm: 'QUOKKA' });
  assert.equal(occ.data.length, 1);
  assert.equal(occ.data[0]!.turnId, refA.turns[0]!.id);
  assert.equal(occ.data[0]!.snippet.slice(occ.data[0]!.snippetMatchRange.start, occ.data[0]!.snippetMatchRange.end), 'Quokka');
  assert.deepEqual((await ours.request<{ data: { id: string }[] }>('thread/list', { searchTerm: 'Migration', sourceKinds: [] })).data.map((x) => x.id), [a]);
  await ours.server.kill();

  // Again: nothing new.
  const second = await runImport(ourHome, codexHome);
  assert.deepEqual(counts(second.stdout), { imported: 0, newThreads: 0, grown: 0, unchanged: 2, malformed: 0 });

  // The reference goes on with A: its rollout grows by a turn, and only that turn is imported.
  ref = await reference(t, codexHome, mock.url);
  mock.enqueue(sse.message('Third answer: the Pangolin step.'));
  await ref.request('thread/resume', { threadId: a });
  await ref.turn(a, 'and a third question');
  const refA3 = (await ref.request<{ thread: WireThread }>('thread/read', { threadId: a, includeTurns: true })).thread;
  await ref.close();
  assert.equal(refA3.turns.length, 3);
  const third = await runImport(ourHome, codexHome);
  assert.deepEqual(counts(third.stdout), { imported: 1, newThreads: 0, grown: 1, unchanged: 1, malformed: 0 });

  // A corrupt line (and a line cut off mid-write, which waits for its end) in A's rollout.
  const fileA = rolloutsUnder(path.join(codexHome, 'sessions')).find((f) => f.includes(a))!;
  appendFileSync(fileA, '{"timestamp": "2026-01-01T00:00:00Z", "type": "event_msg", "payl\n{"type":');
  const fourth = await runImport(ourHome, codexHome);
  assert.equal(counts(fourth.stdout).malformed, 1, fourth.stdout);

  const again = startStdioServer({ home: ourHome });
  t.after(() => again.server.kill());
  await again.initialize({ experimentalApi: true });
  assert.deepEqual(view((await again.request<{ thread: WireThread }>('thread/read', { threadId: a, includeTurns: true })).thread), view(refA3));
  const pangolin = await again.request<{ data: { thread: { id: string } }[] }>('thread/search', { searchTerm: 'pangolin' });
  assert.deepEqual(pangolin.data.map((d) => d.thread.id), [a]);
});

test('a 300 MB rollout imports in bounded memory', async (t) => {
  const codexHome = mkdtempSync(path.join(os.tmpdir(), 'codex-web-import-big-'));
  const ourHome = mkdtempSync(path.join(os.tmpdir(), 'codex-web-import-big-home-'));
  t.after(() => {
    rmSync(codexHome, { recursive: true, force: true });
    rmSync(ourHome, { recursive: true, force: true });
  });
  const dir = path.join(codexHome, 'sessions', '2026', '01', '02');
  mkdirSync(dir, { recursive: true });
  const id = '01a00000-0000-7000-8000-000000000001';
  const file = path.join(dir, `rollout-2026-01-02T00-00-00-${id}.jsonl`);
  const fd = openSync(file, 'w');
  const ts = '2026-01-02T00:00:00.000Z';
  const w = (o: unknown) => writeSync(fd, `${JSON.stringify(o)}\n`);
  w({ timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/tmp', originator: 'codex_cli_rs', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } });
  const output = 'x'.repeat(256 * 1024);
  let turns = 0;
  while (statSync(file).size < 300 * 1024 * 1024) {
    turns++;
    const turnId = `turn-${turns}`;
    w({ timestamp: ts, type: 'event_msg', payload: { type: 'task_started', turn_id: turnId, started_at: 1767312000 } });
    w({ timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', turn_id: turnId, item: { type: 'UserMessage', id: `u${turns}`, content: [{ type: 'text', text: `question ${turns}` }] } } });
    for (let k = 0; k < 8; k++) w({ timestamp: ts, type: 'response_item', payload: { type: 'function_call_output', call_id: `c${turns}-${k}`, output } });
    w({ timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', turn_id: turnId, item: { type: 'AgentMessage', id: `a${turns}`, content: [{ type: 'Text', text: `answer ${turns}` }] } } });
    w({ timestamp: ts, type: 'event_msg', payload: { type: 'task_complete', turn_id: turnId, completed_at: 1767312001, duration_ms: 1000 } });
  }
  closeSync(fd);
  // A 64 MB JavaScript heap: holding the file (or its records) whole would run out of memory and fail.
  const r = await runImport(ourHome, codexHome, { NODE_OPTIONS: '--max-old-space-size=64' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(counts(r.stdout), { imported: 1, newThreads: 1, grown: 0, unchanged: 0, malformed: 0 });
  // The process as a whole (runtime, SQLite cache, one batch) stays well under the file's size.
  assert.ok(r.peakRssKb > 0 && r.peakRssKb < 220 * 1024, `peak RSS ${Math.round(r.peakRssKb / 1024)} MB for a 300 MB rollout`);
  const c = startStdioServer({ home: ourHome });
  t.after(() => c.server.kill());
  await c.initialize({ experimentalApi: true });
  const found = await c.request<{ data: { thread: { id: string } }[] }>('thread/search', { searchTerm: `answer ${turns}` });
  assert.deepEqual(found.data.map((d) => d.thread.id), [id]);
});

/** `count` rollouts of a few turns with ~`kb` KB of tool output each, in the Codex layout. */
function writeSyntheticHome(codexHome: string, count: number, kb: number): void {
  const dir = path.join(codexHome, 'sessions', '2026', '01', '03');
  mkdirSync(dir, { recursive: true });
  const output = 'y'.repeat(kb * 1024);
  for (let i = 0; i < count; i++) {
    const id = `01a00000-0000-7000-8000-${String(i).padStart(12, '0')}`;
    const ts = '2026-01-03T00:00:00.000Z';
    const lines = [{ timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/tmp', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } }];
    for (let k = 0; k < 3; k++) {
      lines.push(
        { timestamp: ts, type: 'event_msg', payload: { type: 'task_started', turn_id: `${id}-${k}` } } as never,
        { timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', item: { type: 'UserMessage', id: `${id}-u${k}`, content: [{ type: 'text', text: `question ${i}.${k}` }] } } } as never,
        { timestamp: ts, type: 'response_item', payload: { type: 'function_call_output', call_id: `c${k}`, output } } as never,
        { timestamp: ts, type: 'event_msg', payload: { type: 'task_complete', turn_id: `${id}-${k}` } } as never,
      );
    }
    writeFileSync(path.join(dir, `rollout-2026-01-03T00-00-00-${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }
}

function storeCounts(home: string): { threads: number; records: number; docs: number; perThread: string } {
  const db = new Database(path.join(home, 'codex-web.sqlite'), { readonly: true });
  try {
    const one = (sql: string) => db.prepare(sql).pluck().get() as number;
    const perThread = JSON.stringify(db.prepare('SELECT thread_id, count(*) AS n, max(seq) AS m FROM rollout_records GROUP BY thread_id ORDER BY thread_id').all());
    return { threads: one('SELECT count(*) FROM threads'), records: one('SELECT count(*) FROM rollout_records'), docs: one('SELECT count(*) FROM search_docs'), perThread };
  } finally {
    db.close();
  }
}

test('an import killed with SIGKILL midway resumes on the next run: the same store as one clean run', async (t) => {
  const codexHome = mkdtempSync(path.join(os.tmpdir(), 'codex-web-import-kill-'));
  const killed = mkdtempSync(path.join(os.tmpdir(), 'codex-web-import-kill-a-'));
  const clean = mkdtempSync(path.join(os.tmpdir(), 'codex-web-import-kill-b-'));
  t.after(() => {
    for (const d of [codexHome, killed, clean]) rmSync(d, { recursive: true, force: true });
  });
  writeSyntheticHome(codexHome, 200, 200); // ~120 MB: more than one 64 MB commit
  // A clean run first, to know how long a whole import takes; the other is killed halfway through.
  const t0 = Date.now();
  assert.equal((await runImport(clean, codexHome)).code, 0);
  const whole = Date.now() - t0;
  const p = spawn(process.execPath, [SERVER_ENTRY, 'import', '--from', codexHome, '--home', killed], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, whole / 2));
  const exited = p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
  assert.equal(p.signalCode, 'SIGKILL', 'the first import was cut off, not finished');
  assert.deepEqual(indexTriggers(killed), INDEX_TRIGGERS, 'the killed transaction dropped the index triggers: it rolled back with them');
  const resumed = await runImport(killed, codexHome);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(counts(resumed.stdout).malformed, 0);
  const a = storeCounts(killed);
  assert.equal(a.threads, 200);
  assert.equal(a.docs, 600, 'every user message indexed (in bulk, before each commit)');
  const db = new Database(path.join(killed, 'codex-web.sqlite'), { readonly: true });
  assert.equal(db.prepare('SELECT count(*) FROM import_pending').pluck().get(), 0, 'no thread left pending');
  db.close();
  assert.deepEqual(a, storeCounts(clean), 'nothing lost, nothing doubled');
  assert.deepEqual(counts((await runImport(killed, codexHome)).stdout), { imported: 0, newThreads: 0, grown: 0, unchanged: 200, malformed: 0 });
  // The import put its triggers back: a record written afterwards, as a turn writes it, is indexed at once.
  assert.deepEqual(indexTriggers(killed), INDEX_TRIGGERS);
  const rw = new Database(path.join(killed, 'codex-web.sqlite'));
  try {
    const threadId = rw.prepare('SELECT id FROM threads ORDER BY id LIMIT 1').pluck().get() as string;
    const seq = (rw.prepare('SELECT max(seq) FROM rollout_records WHERE thread_id = ?').pluck().get(threadId) as number) + 1;
    const item = { type: 'agentMessage', id: 'after-import', text: 'written after the import' };
    rw.prepare("INSERT INTO rollout_records (thread_id, seq, kind, type, turn_id, payload, created_at) VALUES (?, ?, 'event', 'item_completed', 't', ?, 0)").run(threadId, seq, JSON.stringify({ turnId: 't', item }));
    assert.equal(rw.prepare("SELECT text FROM search_docs WHERE thread_id = ? AND item_id = 'after-import'").pluck().get(threadId), item.text);
  } finally {
    rw.close();
  }
});

const INDEX_TRIGGERS = ['rollout_index_discard', 'rollout_index_item', 'rollout_index_voice'];

function indexTriggers(home: string): string[] {
  const db = new Database(path.join(home, 'codex-web.sqlite'), { readonly: true });
  try {
    return db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rollout_records' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
}

/** A Codex home with a day folder and our home, temp folders removed after the test. */
function homes(t: TestContext, tag: string): { codexHome: string; home: string; day: string } {
  const codexHome = mkdtempSync(path.join(os.tmpdir(), `codex-web-import-${tag}-codex-`));
  const home = mkdtempSync(path.join(os.tmpdir(), `codex-web-import-${tag}-home-`));
  t.after(() => {
    for (const d of [codexHome, home]) rmSync(d, { recursive: true, force: true });
  });
  const day = path.join(codexHome, 'sessions', '2025', '01', '02');
  mkdirSync(day, { recursive: true });
  return { codexHome, home, day };
}

// A rollout's thread is the id its session_meta names, whatever its file is called. One naming a thread of ours
// (not imported) was appended to it, its model blanked; a second file claiming an imported session's id was
// merged into that thread. Both are skipped now, with a reason, and nothing of theirs is written.
test('a rollout whose session_meta names a thread we already have is skipped: ours untouched, no two files merged', async (t) => {
  const { codexHome, home, day } = homes(t, 'claim');
  const ours = '0199aaaa-0000-7000-8000-000000000001';
  const shared = '0199cccc-0000-7000-8000-000000000003';
  const db = openDb(path.join(home, DB_FILE_NAME));
  insertThread({ db, row: { id: ours, preview: 'my own thread', cwd: '/home/me', model: 'gpt-mine', modelProvider: 'p', source: 'appServer', cliVersion: '0', createdAt: 1, updatedAt: 1 } });
  appendRollout({ db, records: [{ threadId: ours, seq: 1, kind: 'event', type: 'item_completed', turnId: 't1', createdAt: 1, payload: { turnId: 't1', item: { type: 'agentMessage', id: 'm1', text: 'mine' } } }] });
  db.$client.close();

  const ts = '2025-01-02T03:04:05.000Z';
  const rollout = (id: string, words: string) =>
    [
      { timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/elsewhere', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } },
      { timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: words } },
    ]
      .map((l) => `${JSON.stringify(l)}\n`)
      .join('');
  const misnamed = path.join(day, 'rollout-2025-01-02T03-04-05-0199bbbb-0000-7000-8000-000000000002.jsonl');
  const second = path.join(day, 'rollout-2025-01-02T03-04-06-0199dddd-0000-7000-8000-000000000004.jsonl');
  writeFileSync(misnamed, rollout(ours, 'injected into ours'));
  writeFileSync(path.join(day, `rollout-2025-01-02T03-04-05-${shared}.jsonl`), rollout(shared, 'the session itself'));
  writeFileSync(second, rollout(shared, 'a second file of it'));

  const run = await runImport(home, codexHome);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(counts(run.stdout), { imported: 1, newThreads: 1, grown: 0, unchanged: 0, malformed: 0 }, run.stdout);
  assert.ok(run.stdout.includes(`skipped ${misnamed}: thread ${ours} already exists here and was not imported`), run.stdout);
  assert.ok(run.stdout.includes(`skipped ${second}: thread ${shared} was imported from `), run.stdout);

  const store = new Database(path.join(home, DB_FILE_NAME), { readonly: true });
  t.after(() => store.close());
  const texts = (id: string) => store.prepare('SELECT text FROM search_docs WHERE thread_id = ? ORDER BY seq').pluck().all(id);
  assert.deepEqual(texts(ours), ['mine'], 'nothing written into our own thread');
  assert.deepEqual(store.prepare('SELECT model, cwd, updated_at FROM threads WHERE id = ?').get(ours), { model: 'gpt-mine', cwd: '/home/me', updated_at: 1 });
  assert.deepEqual(texts(shared), ['the session itself'], 'the second file is not merged into the session');
  assert.deepEqual(store.prepare('SELECT thread_id FROM imported_rollouts ORDER BY thread_id').pluck().all(), [shared], 'our own thread is not recorded as imported');
  // A second run skips the same two files again and imports nothing.
  assert.deepEqual(counts((await runImport(home, codexHome)).stdout), { imported: 0, newThreads: 0, grown: 0, unchanged: 1, malformed: 0 });
  assert.deepEqual(texts(shared), ['the session itself']);
});

// A response item nested 100,000 levels deep (one Codex itself cannot read back) made JSON.stringify throw
// RangeError while storing it: the import exited with a stack trace, rolled back, and failed the same way on
// every run, so no rollout after it was ever imported. The line is skipped and counted; the rest imports.
test('a response item nested 100,000 levels deep is skipped as malformed; the import completes', async (t) => {
  const { codexHome, home, day: dir } = homes(t, 'deep');
  const ts = '2025-01-02T03:04:05.000Z';
  const ids = ['0199eeee-0000-7000-8000-000000000001', '0199eeee-0000-7000-8000-000000000002', '0199eeee-0000-7000-8000-000000000003'];
  const deep = `{"timestamp":"${ts}","type":"response_item","payload":{"type":"message","role":"user","content":${'['.repeat(100_000)}${']'.repeat(100_000)},"metadata":{}}}`;
  ids.forEach((id, i) => {
    const lines = [
      JSON.stringify({ timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/tmp', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } }),
      ...(i === 1 ? [deep] : []),
      JSON.stringify({ timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: `message of rollout ${i}` } }),
    ];
    writeFileSync(path.join(dir, `rollout-2025-01-02T03-04-0${i}-${id}.jsonl`), `${lines.join('\n')}\n`);
  });
  const run = await runImport(home, codexHome);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(counts(run.stdout), { imported: 3, newThreads: 3, grown: 0, unchanged: 0, malformed: 1 });
  const store = new Database(path.join(home, DB_FILE_NAME), { readonly: true });
  t.after(() => store.close());
  assert.deepEqual(store.prepare('SELECT preview FROM threads ORDER BY id').pluck().all(), ['message of rollout 0', 'message of rollout 1', 'message of rollout 2']);
  assert.equal(store.prepare("SELECT count(*) FROM rollout_records WHERE kind = 'response_item'").pluck().get(), 0, 'the deep item is not stored');
});

// An imported thread renamed here got its Codex name back at the next import, and under live sync whenever any
// session of the home changed (every 500 ms while the CLI works): the name in session_index.jsonl was written
// whenever it differed from the thread's. Only a name changed in Codex is written now.
test('a rename made here is kept by later imports until the thread is renamed in Codex', async (t) => {
  const { codexHome, home, day: dir } = homes(t, 'name');
  const id = '0199ffff-0000-7000-8000-000000000001';
  const ts = '2025-01-02T03:04:05.000Z';
  const file = path.join(dir, `rollout-2025-01-02T03-04-05-${id}.jsonl`);
  const line = (type: string, payload: unknown) => `${JSON.stringify({ timestamp: ts, type, payload })}\n`;
  writeFileSync(file, line('session_meta', { id, timestamp: ts, cwd: '/tmp', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' }) + line('event_msg', { type: 'user_message', message: 'hello' }));
  const index = path.join(codexHome, 'session_index.jsonl');
  writeFileSync(index, `${JSON.stringify({ id, thread_name: 'Named in Codex', updated_at: ts })}\n`);
  const name = () => {
    const db = new Database(path.join(home, DB_FILE_NAME), { readonly: true });
    try {
      return db.prepare('SELECT name FROM threads WHERE id = ?').pluck().get(id);
    } finally {
      db.close();
    }
  };
  assert.equal((await runImport(home, codexHome)).code, 0);
  assert.equal(name(), 'Named in Codex');

  const ours = startStdioServer({ home });
  t.after(() => ours.server.kill());
  await ours.initialize({ experimentalApi: true });
  await ours.request('thread/name/set', { threadId: id, name: 'Renamed here' });
  await ours.server.kill();

  // The session grows in Codex, its name there unchanged: the import brings the line and keeps our name.
  appendFileSync(file, line('event_msg', { type: 'agent_message', message: 'hi there' }));
  assert.deepEqual(counts((await runImport(home, codexHome)).stdout), { imported: 1, newThreads: 0, grown: 1, unchanged: 0, malformed: 0 });
  assert.equal(name(), 'Renamed here');
  assert.equal((await runImport(home, codexHome)).code, 0);
  assert.equal(name(), 'Renamed here');

  // Renamed in Codex: that name is the newer one.
  appendFileSync(index, `${JSON.stringify({ id, thread_name: 'Renamed in Codex', updated_at: ts })}\n`);
  assert.equal((await runImport(home, codexHome)).code, 0);
  assert.equal(name(), 'Renamed in Codex');
});
