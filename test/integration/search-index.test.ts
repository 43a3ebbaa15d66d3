// The full-text and title indexes of migration 0001 (docs/architecture.md#full-text-search), in-process on
// purpose: what the triggers index, the backfill of a database made before the migration, literal semantics
// of both search plans, and query plans that read indexes, never a scan of threads or rollout records.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { openDb, type Db } from '../../db/client';
import { appendRollout, type NewRolloutRecord } from '../../db/queries/rollout';
import {
  CONTENT_INDEX_CAP,
  explainSearchContent,
  ftsCover,
  searchContent,
  searchTitles,
  threadDocs,
  TITLE_INDEX_CAP,
  type ThreadSearchParams,
} from '../../db/queries/search';
import { explainTitleSearch, insertThread, setThreadName } from '../../db/queries/threads';
import * as schema from '../../db/schema';
import { findMatches } from '../../server/services/threads/search';
import { createTempHome } from '../support/home';

const MIGRATIONS = path.join(import.meta.dirname, '..', '..', 'db', 'migrations');

function thread(db: Db, id: string, at: number, preview = '') {
  insertThread({ db, row: { id, preview, cwd: '/tmp', model: 'm', modelProvider: 'p', source: 'appServer', cliVersion: '0', createdAt: at, updatedAt: at } });
}

const user = (threadId: string, seq: number, itemId: string, ...texts: string[]): NewRolloutRecord => ({
  threadId,
  seq,
  kind: 'event',
  type: 'item_completed',
  turnId: 'turn-1',
  payload: { turnId: 'turn-1', item: { type: 'userMessage', id: itemId, content: [...texts.map((text) => ({ type: 'text', text })), { type: 'image', url: 'data:x' }] } },
  createdAt: 1,
});
const agent = (threadId: string, seq: number, itemId: string, text: string): NewRolloutRecord => ({
  threadId,
  seq,
  kind: 'event',
  type: 'item_completed',
  turnId: 'turn-1',
  payload: { turnId: 'turn-1', item: { type: 'agentMessage', id: itemId, text } },
  createdAt: 1,
});

const base: Omit<ThreadSearchParams, 'term'> = { archived: false, sort: 'created_at', direction: 'desc', limit: 50 };
const ids = (db: Db, term: string, extra: Partial<ThreadSearchParams> = {}) => searchContent({ db, params: { ...base, term, ...extra } }).map((r) => r.id);

/** A thread as the releases before migration 0003 wrote it: `threads` had no `key` then. */
function oldThread(sqlite: Database.Database, id: string, at: number, preview: string) {
  sqlite
    .prepare(`INSERT INTO threads (id, preview, cwd, model, model_provider, source, cli_version, created_at, updated_at) VALUES (?, ?, '/tmp', 'm', 'p', 'appServer', '0', ?, ?)`)
    .run(id, preview, at, at);
}

/** A database migrated only up to (and including) the migration tagged `last`, as an older release left it. */
function migratedUpTo(dir: string, last: string): Database.Database {
  const folder = path.join(dir, `migrations-${last}`);
  mkdirSync(path.join(folder, 'meta'), { recursive: true });
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag === last) + 1);
  for (const e of journal.entries) cpSync(path.join(MIGRATIONS, `${e.tag}.sql`), path.join(folder, `${e.tag}.sql`));
  writeFileSync(path.join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  const sqlite = new Database(path.join(dir, 'codex-web.sqlite'));
  sqlite.pragma('foreign_keys = ON');
  migrate(drizzle(sqlite, { schema }), { migrationsFolder: folder });
  return sqlite;
}

function freshDb(t: { after: (f: () => void) => void }): Db {
  const home = createTempHome();
  t.after(() => home.remove());
  const db = openDb(path.join(home.dir, 'codex-web.sqlite'));
  t.after(() => db.$client.close());
  return db;
}

test('the triggers index what the thread shows, literally and case-insensitively, in the rollout write', (t) => {
  const db = freshDb(t);
  thread(db, 'a', 1);
  thread(db, 'b', 2);
  thread(db, 'c', 3);
  appendRollout({
    db,
    records: [
      user('a', 1, 'u1', 'Where is the 100% _under_ "quoted" *star* file?', 'second part'),
      agent('a', 2, 'm1', 'The Ünïcode answer is ZEBRA-42, naïve café.'),
      // Tool output is not what the thread shows as messages: not indexed.
      { threadId: 'a', seq: 3, kind: 'event', type: 'item_completed', turnId: 'turn-1', payload: { turnId: 'turn-1', item: { type: 'commandExecution', id: 'c1', command: 'echo hidden-word', aggregatedOutput: 'hidden-word' } }, createdAt: 1 },
      { threadId: 'a', seq: 4, kind: 'response_item', type: 'message', turnId: 'turn-1', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hidden-word in the model view' }] }, createdAt: 1 },
      user('b', 1, 'u2', 'xq is rare, so is ab'),
      agent('b', 2, 'm2', 'an answer ending in qj'),
    ],
  });
  assert.deepEqual(ids(db, 'zebra-42'), ['a']);
  assert.deepEqual(ids(db, 'ZeBrA'), ['a']);
  assert.deepEqual(ids(db, 'ünïcode'), ['a'], 'non-ASCII folds too');
  assert.deepEqual(ids(db, 'ÜNÏCODE'), ['a']);
  assert.deepEqual(ids(db, 'hidden-word'), [], 'tool output and response items are not indexed');
  for (const term of ['100%', '%', '_under_', '_', '"quoted"', '"', '*star*', '*', "'", 'file?', 'second part', 'part']) {
    const expected = term === "'" ? [] : ['a'];
    assert.deepEqual(ids(db, term), expected, `literal ${JSON.stringify(term)}`);
  }
  assert.deepEqual(ids(db, 'answer Where'), [], 'a multi-word term is one literal phrase, not words anywhere');
  assert.deepEqual(ids(db, '100% _under_'), ['a']);
  assert.deepEqual(ids(db, 'is the 100'), ['a']);
  assert.deepEqual(ids(db, 'answer'), ['b', 'a']);
  // 1–2 characters: anywhere in the text, at its very end included (the padding), case-insensitive.
  assert.deepEqual(ids(db, 'xq'), ['b']);
  assert.deepEqual(ids(db, 'XQ'), ['b']);
  assert.deepEqual(ids(db, 'qj'), ['b'], 'a 2-character term at the end of a text');
  assert.deepEqual(ids(db, 'j'), ['b'], 'a 1-character term at the end of a text');
  assert.deepEqual(ids(db, 'ï'), ['a']);
  assert.deepEqual(ids(db, 'zz'), []);
  assert.deepEqual(ids(db, '\u0001'), [], 'the padding character is not text');
  assert.deepEqual(ids(db, ''), []);
  assert.deepEqual(ids(db, 'answer', { archived: true }), []);
  assert.deepEqual(ids(db, 'answer', { direction: 'asc' }), ['a', 'b']);

  // A voice transcript record (the agreed shape) is indexed like a message.
  appendRollout({ db, records: [{ threadId: 'c', seq: 1, kind: 'event', type: 'voice_transcript', turnId: null, payload: { callId: 'call', role: 'user', text: 'spoken aardvark words', itemId: 'v1', at: 5 }, createdAt: 1 }] });
  assert.deepEqual(ids(db, 'aardvark'), ['c']);
  assert.equal(threadDocs({ db, threadId: 'c' })[0]!.origin, 'voice');
  // Lines the upstream gave no item id are each a document of their own.
  appendRollout({
    db,
    records: [2, 3].map((seq) => ({ threadId: 'c', seq, kind: 'event' as const, type: 'voice_transcript', turnId: null, payload: { callId: 'call', role: 'assistant', text: `unnamed line ${seq} okapi`, itemId: null, at: 6 }, createdAt: 1 })),
  });
  assert.deepEqual(ids(db, 'okapi'), ['c']);
  assert.deepEqual(threadDocs({ db, threadId: 'c' }).map((d) => d.itemId), ['v1', 'voice-2', 'voice-3']);

  // A later snapshot of an item replaces the earlier one; a discarded item leaves the index.
  appendRollout({ db, records: [agent('b', 3, 'm2', 'rewritten reply')] });
  assert.deepEqual(ids(db, 'qj'), []);
  assert.deepEqual(ids(db, 'rewritten'), ['b']);
  appendRollout({ db, records: [{ threadId: 'b', seq: 4, kind: 'event', type: 'item_discarded', turnId: 'turn-1', payload: { turnId: 'turn-1', itemId: 'm2' }, createdAt: 1 }] });
  assert.deepEqual(ids(db, 'rewritten'), []);
  assert.deepEqual(threadDocs({ db, threadId: 'b' }).map((d) => d.itemId), ['u2']);

  // A failed write leaves no index entry behind: the index is in the same transaction.
  assert.throws(() => db.$client.transaction(() => {
    appendRollout({ db, records: [agent('c', 2, 'm9', 'phantom pangolin')] });
    throw new Error('rolled back');
  })());
  assert.deepEqual(ids(db, 'pangolin'), []);
  assert.equal(db.$client.prepare("SELECT count(*) FROM search_docs_fts WHERE search_docs_fts MATCH '\"pangolin\"'").pluck().get(), 0);
});

// One meaning of "case-insensitive" for the index, the scan plan's check, the snippet's message and the match
// range: FTS5's own per-character fold. `toLowerCase` (and SQLite's ASCII-only `lower()`) disagreed with it
// where a letter folds to another lower-case letter (final sigma, micro sign, long s, Kelvin sign), so a thread
// the index found had no matching message (snippet '', no occurrence), and a 1–2 character term written exactly
// as in the text found nothing.
test('index, message filter and match ranges fold case alike: final sigma, micro sign, long s, Kelvin sign', (t) => {
  const db = freshDb(t);
  const texts = ['Η ΟΔΟΣΤΡΩΜΑ είναι στεγνό', 'latency of 5 µs here', 'Straſse, alte Schrift', 'it is 300 \u212a outside'];
  texts.forEach((text, i) => {
    thread(db, `t${i}`, i + 1);
    appendRollout({ db, records: [agent(`t${i}`, 1, `m${i}`, text)] });
  });
  const cases: [term: string, thread: string, matched: string][] = [
    ['ΟΔΟΣ', 't0', 'ΟΔΟΣ'],
    ['οδος', 't0', 'ΟΔΟΣ'],
    ['µs', 't1', 'µs'],
    ['μs', 't1', 'µs'],
    ['5 μs', 't1', '5 µs'],
    ['strasse', 't2', 'Straſse'],
    ['300 k', 't3', '300 \u212a'],
  ];
  for (const [term, id, matched] of cases) {
    const label = `term ${JSON.stringify(term)}`;
    assert.deepEqual(ids(db, term), [id], `${label}: the index finds the thread`);
    const docs = threadDocs({ db, threadId: id, term });
    assert.deepEqual(docs.map((d) => d.itemId), [`m${id.slice(1)}`], `${label}: the message filter finds its message`);
    const ranges = findMatches(docs[0]!.text, term);
    assert.deepEqual(ranges.map((r) => docs[0]!.text.slice(r.start, r.end)), [matched], `${label}: the range covers the match`);
  }
});

test('title search is literal and case-sensitive on its own index, and follows renames', (t) => {
  const db = freshDb(t);
  thread(db, 't1', 1, 'Fix the 50% bug');
  thread(db, 't2', 2, 'fix the parser');
  thread(db, 't3', 3, 'a_b Q');
  const titles = (term: string) => searchTitles({ db, params: { ...base, term } }).map((r) => r.id);
  assert.deepEqual(titles('Fix'), ['t1']);
  assert.deepEqual(titles('fix'), ['t2']);
  assert.deepEqual(titles('50%'), ['t1']);
  assert.deepEqual(titles('_'), ['t3']);
  assert.deepEqual(titles('Q'), ['t3'], 'a 1-character term at the end of a title');
  assert.deepEqual(titles('q'), []);
  setThreadName({ db, id: 't2', name: 'Renamed Q thread', updatedAt: 5 });
  assert.deepEqual(titles('parser'), []);
  assert.deepEqual(titles('Renamed'), ['t2']);
  assert.deepEqual(titles('Q'), ['t3', 't2']);

  // A term of 4+ characters is looked up by a cover of its trigrams, then checked: a title holding every
  // trigram of the cover, apart, does not match.
  thread(db, 't4', 4, 'fla meg rap aph, "quoted" naïve café');
  thread(db, 't5', 5, 'the flamegraph of "quoted" naïveté');
  assert.equal(ftsCover('flamegraph'), '"fla" AND "meg" AND "rap" AND "aph"');
  assert.equal(ftsCover('naïve'), '"naï" AND "ïve"', 'trigrams of code points');
  assert.deepEqual(titles('flamegraph'), ['t5']);
  assert.deepEqual(titles('"quoted"'), ['t5', 't4']);
  assert.deepEqual(titles('naïveté'), ['t5']);
  assert.deepEqual(titles('naïve'), ['t5', 't4']);
  assert.deepEqual(titles('aph, "quo'), ['t4']);
  assert.deepEqual(titles('raph of'), ['t5']);
  assert.deepEqual(titles('Flamegraph'), [], 'still case-sensitive');
  // FTS5 reads a query only up to a U+0000: such a term takes the scan, and is literal there too.
  thread(db, 't6', 6, 'nul\u0000inside');
  assert.deepEqual(titles('l\u0000in'), ['t6']);
  assert.deepEqual(titles('flame\u0000graph'), []);
  assert.deepEqual(ids(db, 'x\u0000y'), []);
  // A lone surrogate is stored as bytes that are not UTF-8: such a term takes the scan, at any length.
  thread(db, 't7', 7, 'lone \uD800 here, a pair \u{1F600} there');
  for (const term of ['\uD800', '\uD800 ', ' \uD800 h', '\uD800 here']) assert.deepEqual(titles(term), ['t7'], JSON.stringify(term));
  assert.deepEqual(titles('\u{1F600}'), ['t7'], 'a surrogate pair is one character, on the index');
  assert.deepEqual(titles('\uDE00'), [], 'half of a pair is not in the text');
});

test('a database made before migration 0001 is backfilled: titles, the last snapshot of each item, no discarded ones', (t) => {
  const home = createTempHome();
  t.after(() => home.remove());
  // Only migration 0000, as an older release left the file.
  const file = path.join(home.dir, 'codex-web.sqlite');
  const sqlite = migratedUpTo(home.dir, '0000_init');
  const before = drizzle(sqlite, { schema }) as unknown as Db;
  assert.equal(sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'search_docs'").pluck().get(), 0);
  oldThread(sqlite, 'old', 1, 'Legacy title');
  appendRollout({
    db: before,
    records: [
      user('old', 1, 'u1', 'an old question about otters'),
      agent('old', 2, 'm1', 'first draft about beavers'),
      agent('old', 3, 'm1', 'final answer about badgers'),
      agent('old', 4, 'm2', 'a retried attempt about weasels'),
      { threadId: 'old', seq: 5, kind: 'event', type: 'item_discarded', turnId: 'turn-1', payload: { turnId: 'turn-1', itemId: 'm2' }, createdAt: 1 },
    ],
  });
  sqlite.close();

  const db = openDb(file);
  t.after(() => db.$client.close());
  assert.deepEqual(ids(db, 'otters'), ['old']);
  assert.deepEqual(ids(db, 'badgers'), ['old']);
  assert.deepEqual(ids(db, 'beavers'), [], 'only the last snapshot of an item');
  assert.deepEqual(ids(db, 'weasels'), [], 'a discarded item is not backfilled');
  assert.deepEqual(searchTitles({ db, params: { ...base, term: 'Legacy' } }).map((r) => r.id), ['old']);
  // And from now on the triggers keep it.
  appendRollout({ db, records: [agent('old', 6, 'm3', 'new words about ferrets')] });
  assert.deepEqual(ids(db, 'ferrets'), ['old']);
});

test('migration 0003 gives threads an integer key: search keys kept, rollouts untouched, the index still right', (t) => {
  const home = createTempHome();
  t.after(() => home.remove());
  const file = path.join(home.dir, 'codex-web.sqlite');
  const sqlite = migratedUpTo(home.dir, '0002_index_triggers');
  const before = drizzle(sqlite, { schema }) as unknown as Db;
  for (let i = 0; i < 50; i++) {
    oldThread(sqlite, `t${i}`, i, i % 10 === 3 ? `the flamegraph report ${i}` : `plain title ${i}`);
    appendRollout({ db: before, records: [user(`t${i}`, 1, 'u', `question ${i} about otters`), agent(`t${i}`, 2, 'a', `answer ${i}`)] });
  }
  // Keys that no longer start at 1 or run in id order, as deletes and renames leave them.
  sqlite.prepare(`DELETE FROM threads WHERE id = 't0'`).run();
  sqlite.prepare(`UPDATE threads SET name = 'renamed flamegraph' WHERE id = 't7'`).run();
  // A thread that somehow lost its search key (none should) still gets a key and a title entry, even when a
  // leftover key of a thread that is gone, with a stale title entry, holds the number it gets.
  sqlite.prepare(`DELETE FROM thread_titles_fts WHERE rowid = (SELECT id FROM thread_search_keys WHERE thread_id = 't9')`).run();
  sqlite.prepare(`DELETE FROM thread_search_keys WHERE thread_id = 't9'`).run();
  const next = (sqlite.prepare('SELECT max(id) FROM thread_search_keys').pluck().get() as number) + 1;
  sqlite.prepare(`INSERT INTO thread_search_keys (id, thread_id) VALUES (?, 'gone')`).run(next);
  sqlite.prepare(`INSERT INTO thread_titles_fts (rowid, title) VALUES (?, 'stale ghost title' || char(1, 1))`).run(next);
  const keysBefore = sqlite.prepare(`SELECT thread_id, id FROM thread_search_keys WHERE thread_id <> 'gone' ORDER BY thread_id`).all() as { thread_id: string; id: number }[];
  const records = sqlite.prepare('SELECT count(*) FROM rollout_records').pluck().get();
  sqlite.close();

  const db = openDb(file);
  t.after(() => db.$client.close());
  const c = db.$client;
  // The rebuild dropped the old table with foreign keys off: no rollout record went with it.
  assert.equal(c.prepare('SELECT count(*) FROM rollout_records').pluck().get(), records);
  assert.equal(c.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on again');
  assert.equal(c.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'thread_search_keys'").pluck().get(), 0);
  const keys = c.prepare('SELECT id, key FROM threads ORDER BY id').all() as { id: string; key: number }[];
  assert.equal(keys.length, 49);
  for (const k of keysBefore) assert.equal(keys.find((r) => r.id === k.thread_id)?.key, k.id, `${k.thread_id} keeps its search key`);
  assert.ok(keys.find((r) => r.id === 't9')!.key > Math.max(...keysBefore.map((k) => k.id)), 'a fresh key past every other');
  assert.deepEqual(searchTitles({ db, params: { ...base, term: 'ghost' } }), [], 'the stale entry is gone');
  const titles = (term: string) => searchTitles({ db, params: { ...base, term } }).map((r) => r.id);
  assert.deepEqual(titles('flamegraph'), ['t43', 't33', 't23', 't13', 't7', 't3']);
  assert.deepEqual(titles('plain title 9'), ['t9']);
  assert.equal(c.prepare("SELECT count(*) FROM thread_titles_fts WHERE thread_titles_fts MATCH '\"title\"'").pluck().get(), 43, 'one entry per title');
  assert.deepEqual(ids(db, 'otters').length, 49);
  // The new triggers keep the index, and deleting a thread still cascades to its records.
  thread(db, 'new', 100, 'fresh flamegraph');
  setThreadName({ db, id: 't43', name: 'no longer', updatedAt: 200 });
  assert.deepEqual(titles('flamegraph'), ['new', 't33', 't23', 't13', 't7', 't3']);
  c.prepare(`DELETE FROM threads WHERE id = 't33'`).run();
  assert.deepEqual(titles('flamegraph'), ['new', 't23', 't13', 't7', 't3']);
  assert.equal(c.prepare(`SELECT count(*) FROM rollout_records WHERE thread_id = 't33'`).pluck().get(), 0);
  assert.deepEqual(c.pragma('foreign_key_check'), []);
});

test('migration 0003 rolls back whole when a row breaks a foreign key: the database stays as it was', (t) => {
  const home = createTempHome();
  t.after(() => home.remove());
  const file = path.join(home.dir, 'codex-web.sqlite');
  const sqlite = migratedUpTo(home.dir, '0002_index_triggers');
  oldThread(sqlite, 'kept', 1, 'a kept title');
  sqlite.pragma('foreign_keys = OFF');
  sqlite.prepare(`INSERT INTO rollout_records (thread_id, seq, kind, type, turn_id, payload, created_at) VALUES ('no-such-thread', 1, 'event', 'x', NULL, '{}', 1)`).run();
  sqlite.close();
  assert.throws(
    () => openDb(file),
    (err: Error) => /migration_0003_foreign_key_check/.test(err.message) && /CHECK constraint failed/.test(String((err.cause as Error | undefined)?.message)),
  );
  const after = new Database(file, { readonly: true });
  t.after(() => after.close());
  assert.equal(after.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'thread_search_keys'").pluck().get(), 1, 'still the old shape');
  assert.equal(after.prepare("SELECT count(*) FROM pragma_table_info('threads') WHERE name = 'key'").pluck().get(), 0);
  assert.equal(after.prepare('SELECT count(*) FROM rollout_records').pluck().get(), 1);
  assert.equal(after.prepare('SELECT count(*) FROM threads').pluck().get(), 1);
});

test('query plans: each term class reads the FTS index or the listing index, never rollout_records, never a full scan', (t) => {
  const db = freshDb(t);
  const n = Math.max(CONTENT_INDEX_CAP, TITLE_INDEX_CAP) + 500;
  db.$client.transaction(() => {
    for (let i = 0; i < n; i++) {
      const id = `t${String(i).padStart(6, '0')}`;
      thread(db, id, i, `common title ${i === 7 ? 'rare-title' : ''}`);
      appendRollout({ db, records: [user(id, 1, 'u', `common words ${i === 9 ? 'rare-word zq' : ''}`), agent(id, 2, 'a', 'the answer')] });
    }
  })();
  db.$client.exec('ANALYZE');
  const noScan = (details: string[], label: string) => {
    assert.ok(details.length > 0, label);
    assert.ok(details.every((d) => !/rollout_records/.test(d)), `never reads rollout_records: ${label}`);
    // A SCAN is allowed only of the FTS virtual table (its MATCH) or along the ordering index with a LIMIT.
    assert.ok(details.every((d) => !/^SCAN (t|threads|d|search_docs)$/.test(d)), `no full table scan: ${label}`);
  };
  for (const [term, plan] of [['rare-word', 'index'], ['zq', 'index'], ['common', 'scan'], ['answer', 'scan'], ['nothing here', 'none']] as const) {
    const e = explainSearchContent({ db, params: { ...base, term, limit: 25 } });
    const label = `content ${JSON.stringify(term)}: ${JSON.stringify(e)}`;
    assert.equal(e.plan, plan, label);
    if (plan === 'none') continue;
    noScan(e.details, label);
    if (plan === 'index') assert.ok(e.details.some((d) => /VIRTUAL TABLE INDEX \d+:M/.test(d)), `the FTS MATCH drives: ${label}`);
    else {
      assert.ok(e.details.some((d) => /threads USING (COVERING )?INDEX threads_by_created|t USING (COVERING )?INDEX threads_by_created/.test(d)), `walks threads_by_created: ${label}`);
      assert.ok(e.details.some((d) => /search_docs_by_(thread|item) \(thread_id=\?\)/.test(d)), `each thread's docs by index: ${label}`);
    }
  }
  assert.deepEqual(ids(db, 'rare-word'), ['t000009']);
  for (const [term, plan] of [['rare-title', 'index'], ['common', 'scan'], ['absent', 'none']] as const) {
    for (const sortKey of ['created_at', 'updated_at'] as const) {
      const e = explainTitleSearch({ db, params: { archived: false, sortKey, limit: 25, searchTerm: term } });
      const label = `title ${JSON.stringify(term)} ${sortKey}: ${JSON.stringify(e)}`;
      assert.equal(e.plan, plan, label);
      if (plan === 'none') continue;
      noScan(e.details, label);
      const index = sortKey === 'created_at' ? 'threads_by_created' : 'threads_by_updated';
      if (plan === 'scan') assert.ok(e.details.some((d) => new RegExp(`USING (COVERING )?INDEX ${index}`).test(d)), `walks ${index}: ${label}`);
      else assert.ok(e.details.some((d) => /VIRTUAL TABLE INDEX \d+:M/.test(d)), `the FTS MATCH drives: ${label}`);
    }
  }
});
