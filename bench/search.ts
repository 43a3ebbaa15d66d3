/**
 * `npm run bench:search` — title and full-text search at scale, and import throughput (issue 12, "Measure").
 *
 * - Title search (thread/list searchTerm) at 1,000,000 threads: a common, a rare and a no-match term.
 * - Content search (thread/search) at 1,000,000 messages (100,000 threads × 10): common, rare, no-match and a
 *   2-character term.
 * - Import: `codex-web import` over 10,000 generated rollouts of realistic size (session_meta with the
 *   reference's ~21 KB instructions, a few turns of messages, reasoning, tool calls and outputs): MB/s, rollouts/s.
 * - Database size with and without the search index (the index tables dropped, then VACUUM).
 * - Live sync: request latency of an app-server keeping a 70,000-session Codex home in sync, over two full scans.
 * - The reference `codex app-server` at 10,000 threads (rollouts in its own layout): thread/list with a search
 *   term and thread/search, from the same run, next to ours on the same 10,000 rollouts imported.
 *
 * Latencies are over stdio JSON-RPC (the real server process), p50/p99 of SEARCH_SAMPLES requests.
 * Env: BENCH_NO_BUILD=1 skips the server build; BENCH_SCALE=0.1 shrinks every size (a quick look);
 * BENCH_NO_REFERENCE=1 skips the reference; BENCH_ONLY=title,content,import,sync,reference runs only those parts.
 * This is a benchmark, not a test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, openSync, closeSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { DB_FILE_NAME, openDb } from '../db/client';
import { referencePaths } from '../scripts/ensure-reference.mjs';
import { COMMON_TERM, makeDataset, NO_MATCH_TERM, RARE_TERM } from './lib/dataset';
import { check, problems, runBench, tempDir } from './lib/run-state';
import { seedCodexWeb, seedReference } from './lib/seed';
import { fmtMs, percentile } from './lib/stats';
import { StdioRpc, type SpawnSpec } from './lib/stdio-rpc';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = path.join(ROOT, 'dist', 'codex-web.mjs');
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const TITLE_THREADS = Math.round(1_000_000 * SCALE);
const CONTENT_THREADS = Math.round(100_000 * SCALE);
const MESSAGES_PER_THREAD = 10;
const IMPORT_ROLLOUTS = Math.round(10_000 * SCALE);
const REF_THREADS = 10_000;
const SYNC_SESSIONS = Math.round(70_000 * SCALE);
const SYNC_WINDOW_MS = 65_000;
const SEARCH_SAMPLES = 200;
const TARGETS = { title: 5, content: 20, importMBs: 50 };

const CONTENT_TERMS = { common: 'function', rare: 'flamegraph', none: NO_MATCH_TERM, twoChar: 'qz' } as const;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a to of and in is it that for on with this we you be as are not can at by from or have an will if but do so should ' +
  'file test build error server client request response cache query index table schema type value config option change ' +
  'update create delete read write list page user thread message answer search import export module package version ' +
  'function method class object array string number return async await promise stream buffer event handler callback'
).split(' ');

/** A message of `words` words from the vocabulary; `extra` spliced in somewhere. */
function message(rng: () => number, words: number, extra?: string): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rng() * WORDS.length)]!);
  if (extra) out.splice(Math.floor(rng() * out.length), 0, extra);
  return out.join(' ');
}

function summary(samples: number[]): string {
  return `p50 ${fmtMs(percentile(samples, 50)).padStart(7)} ms   p99 ${fmtMs(percentile(samples, 99)).padStart(7)} ms`;
}

function spec(home: string): SpawnSpec {
  return { command: process.execPath, args: [SERVER, 'app-server', '--home', home], env: { ...process.env, CODEX_WEB_LOG: 'silent' }, cwd: ROOT };
}

async function sample(rpc: StdioRpc, method: string, params: Record<string, unknown>, n: number, validate: (r: unknown) => void, timeoutMs = 30_000): Promise<number[]> {
  for (let i = 0; i < 3; i++) await rpc.request(method, params, timeoutMs);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const { result, ms } = await rpc.request(method, params, timeoutMs);
    if (i === 0) validate(result);
    out.push(ms);
  }
  return out;
}

function dbSizes(home: string): { withIndex: number; withoutIndex: number } {
  const file = path.join(home, DB_FILE_NAME);
  const withIndex = statSync(file).size;
  const copy = path.join(home, 'no-index.sqlite');
  copyFileSync(file, copy);
  const db = new Database(copy);
  db.exec(`DROP TABLE search_docs_vocab; DROP TABLE search_docs_fts; DROP TABLE thread_titles_vocab; DROP TABLE thread_titles_fts;
           DROP TABLE search_docs; VACUUM;`);
  db.close();
  const withoutIndex = statSync(copy).size;
  return { withIndex, withoutIndex };
}

function vacuumInPlace(home: string): void {
  const db = new Database(path.join(home, DB_FILE_NAME));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('VACUUM');
  db.close();
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function titleBench(lines: string[]): Promise<void> {
  const home = tempDir('codex-web-bench-search-titles-');
  const t0 = performance.now();
  const ds = makeDataset(TITLE_THREADS);
  seedCodexWeb(home, ds.threads);
  vacuumInPlace(home);
  lines.push(`\nTitle search (thread/list searchTerm), ${TITLE_THREADS.toLocaleString('en-US')} threads (seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  const rpc = new StdioRpc(spec(home));
  try {
    await rpc.handshake(60_000, { experimentalApi: true });
    for (const [label, term, matches] of [['common', COMMON_TERM, ds.matches.common], ['rare', RARE_TERM, ds.matches.rare], ['none', NO_MATCH_TERM, 0]] as const) {
      const samples = await sample(rpc, 'thread/list', { searchTerm: term, limit: 25, sourceKinds: [] }, SEARCH_SAMPLES, (r) => {
        const data = (r as { data: { name: string | null; preview: string }[] }).data;
        check(data.length === Math.min(25, matches), `title ${label}: ${data.length} rows, expected ${Math.min(25, matches)}`);
        check(data.every((t) => (t.name ?? t.preview).includes(term)), `title ${label}: a row without "${term}"`);
      });
      const p50 = percentile(samples, 50);
      lines.push(`  ${label.padEnd(7)} "${term}" (${matches.toLocaleString('en-US')} matches)`.padEnd(52) + `${summary(samples)}   ${p50 <= TARGETS.title ? 'ok' : 'MISSED'} (target p50 ≤ ${TARGETS.title} ms)`);
    }
  } finally {
    await rpc.close();
  }
  const s = dbSizes(home);
  lines.push(`  database: ${mb(s.withIndex)} with the search index, ${mb(s.withoutIndex)} without`);
}

async function contentBench(lines: string[]): Promise<void> {
  const home = tempDir('codex-web-bench-search-content-');
  const t0 = performance.now();
  const rng = mulberry32(7);
  const ds = makeDataset(CONTENT_THREADS, 11);
  seedCodexWeb(home, ds.threads);
  const expected = { common: 0, rare: 0, none: 0, twoChar: 0 };
  const db = openDb(path.join(home, DB_FILE_NAME));
  try {
    const insert = db.$client.prepare(`INSERT INTO rollout_records (thread_id, seq, kind, type, turn_id, payload, created_at) VALUES (?, ?, 'event', 'item_completed', ?, ?, 0)`);
    db.$client.transaction(() => {
      for (const th of ds.threads) {
        const hit = { common: false, rare: false, twoChar: false };
        for (let m = 0; m < MESSAGES_PER_THREAD; m++) {
          const r = rng();
          // ~0.05% of messages carry the rare word, ~0.02% the 2-character term; "function" is in the vocabulary.
          const extra = r < 0.0005 ? 'flamegraph' : r < 0.0007 ? 'qz' : undefined;
          const text = message(rng, m % 2 === 0 ? 12 + Math.floor(rng() * 30) : 40 + Math.floor(rng() * 120), extra);
          hit.common ||= text.includes('function');
          hit.rare ||= text.includes('flamegraph');
          hit.twoChar ||= text.toLowerCase().includes('qz');
          const turnId = `turn-${Math.floor(m / 2)}`;
          const item = m % 2 === 0 ? { type: 'userMessage', id: `u${m}`, content: [{ type: 'text', text }] } : { type: 'agentMessage', id: `a${m}`, text };
          insert.run(th.id, m + 1, turnId, JSON.stringify({ turnId, item }));
        }
        if (hit.common) expected.common++;
        if (hit.rare) expected.rare++;
        if (hit.twoChar) expected.twoChar++;
      }
    })();
  } finally {
    db.$client.close();
  }
  vacuumInPlace(home);
  const messages = CONTENT_THREADS * MESSAGES_PER_THREAD;
  lines.push(`\nContent search (thread/search), ${messages.toLocaleString('en-US')} messages in ${CONTENT_THREADS.toLocaleString('en-US')} threads (seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  const rpc = new StdioRpc(spec(home));
  try {
    await rpc.handshake(60_000, { experimentalApi: true });
    for (const key of ['common', 'rare', 'none', 'twoChar'] as const) {
      const term = CONTENT_TERMS[key];
      const samples = await sample(rpc, 'thread/search', { searchTerm: term, limit: 25, sourceKinds: [] }, SEARCH_SAMPLES, (r) => {
        const data = (r as { data: { snippet: string }[] }).data;
        check(data.length === Math.min(25, expected[key]), `content ${key}: ${data.length} rows, expected ${Math.min(25, expected[key])}`);
        check(data.every((d) => d.snippet.toLowerCase().includes(term.toLowerCase())), `content ${key}: a snippet without "${term}"`);
      });
      const p50 = percentile(samples, 50);
      const label = key === 'twoChar' ? '2-char' : key;
      lines.push(`  ${label.padEnd(7)} "${term}" (${expected[key].toLocaleString('en-US')} threads)`.padEnd(52) + `${summary(samples)}   ${p50 <= TARGETS.content ? 'ok' : 'MISSED'} (target p50 ≤ ${TARGETS.content} ms)`);
    }
  } finally {
    await rpc.close();
  }
  const s = dbSizes(home);
  lines.push(`  database: ${mb(s.withIndex)} with the search index, ${mb(s.withoutIndex)} without`);
}

/** Writes `count` rollouts in the Codex layout, sized like real ones; returns their total bytes. */
export function writeRollouts(codexHome: string, count: number): number {
  const rng = mulberry32(99);
  const instructions = 'You are a coding agent running in the Codex CLI. Follow the instructions and keep changes small. '.repeat(220);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const at = Date.UTC(2025, 0, 1) + i * 600_000;
    const iso = new Date(at).toISOString();
    const dir = path.join(codexHome, 'sessions', iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10));
    mkdirSync(dir, { recursive: true });
    const id = `0190${(i + 0x10000000).toString(16).padStart(4, '0').slice(-4)}-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
    const file = path.join(dir, `rollout-${iso.slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`);
    const fd = openSync(file, 'w');
    const w = (o: unknown) => writeSync(fd, `${JSON.stringify(o)}\n`);
    w({ timestamp: iso, type: 'session_meta', payload: { id, timestamp: iso, cwd: '/home/dev/project', originator: 'codex_cli_rs', cli_version: '0.169.0', source: 'cli', model_provider: 'openai', base_instructions: { text: instructions }, git: { commit_hash: 'abc123', branch: 'main', repository_url: 'git@example.com:x/y.git' } } });
    const turns = 1 + Math.floor(rng() * 6);
    for (let k = 0; k < turns; k++) {
      const turnId = `${id}-t${k}`;
      w({ timestamp: iso, type: 'event_msg', payload: { type: 'task_started', turn_id: turnId, started_at: Math.floor(at / 1000) } });
      w({ timestamp: iso, type: 'turn_context', payload: { turn_id: turnId, cwd: '/home/dev/project', approval_policy: 'on-request', sandbox_policy: { type: 'workspace-write' }, model: 'gpt-5.1-codex' } });
      const ask = message(rng, 20 + Math.floor(rng() * 60));
      w({ timestamp: iso, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: ask }] } });
      w({ timestamp: iso, type: 'event_msg', payload: { type: 'item_completed', turn_id: turnId, item: { type: 'UserMessage', id: `${turnId}-u`, content: [{ type: 'text', text: ask, text_elements: [] }] } } });
      const calls = Math.floor(rng() * 5);
      for (let c = 0; c < calls; c++) {
        w({ timestamp: iso, type: 'response_item', payload: { type: 'reasoning', summary: [{ type: 'summary_text', text: message(rng, 30) }], encrypted_content: 'x'.repeat(1500) } });
        w({ timestamp: iso, type: 'response_item', payload: { type: 'function_call', name: 'shell_command', arguments: JSON.stringify({ command: 'rg -n foo src' }), call_id: `${turnId}-c${c}` } });
        w({ timestamp: iso, type: 'response_item', payload: { type: 'function_call_output', call_id: `${turnId}-c${c}`, output: message(rng, 200 + Math.floor(rng() * 2000)) } });
      }
      const answer = message(rng, 40 + Math.floor(rng() * 200));
      w({ timestamp: iso, type: 'event_msg', payload: { type: 'item_completed', turn_id: turnId, item: { type: 'AgentMessage', id: `${turnId}-a`, content: [{ type: 'Text', text: answer }] } } });
      w({ timestamp: iso, type: 'response_item', payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: answer }] } });
      w({ timestamp: iso, type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: 1000, output_tokens: 100 } } } });
      w({ timestamp: iso, type: 'event_msg', payload: { type: 'task_complete', turn_id: turnId, completed_at: Math.floor(at / 1000) + 30, duration_ms: 30_000 } });
    }
    closeSync(fd);
    total += statSync(file).size;
  }
  return total;
}

function timedImport(home: string, from: string): Promise<{ ms: number; out: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [SERVER, 'import', '--from', from, '--home', home], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    p.on('exit', (code) => (code === 0 ? resolve({ ms: performance.now() - t0, out }) : reject(new Error(`import exited ${code}`))));
  });
}

async function importBench(lines: string[]): Promise<void> {
  const codexHome = tempDir('codex-web-bench-import-codex-');
  const home = tempDir('codex-web-bench-import-home-');
  const bytes = writeRollouts(codexHome, IMPORT_ROLLOUTS);
  const { ms, out } = await timedImport(home, codexHome);
  check(/imported (\d+) rollouts/.exec(out)?.[1] === String(IMPORT_ROLLOUTS), `import: ${out.trim()}`);
  const mbs = bytes / 1024 / 1024 / (ms / 1000);
  lines.push(`\nImport (codex-web import, whole process), ${IMPORT_ROLLOUTS.toLocaleString('en-US')} rollouts, ${mb(bytes)} (mean ${(bytes / IMPORT_ROLLOUTS / 1024).toFixed(0)} KB)`);
  lines.push(`  ${(ms / 1000).toFixed(1)} s: ${mbs.toFixed(1)} MB/s, ${(IMPORT_ROLLOUTS / (ms / 1000)).toFixed(0)} rollouts/s   ${mbs >= TARGETS.importMBs ? 'ok' : 'MISSED'} (target ≥ ${TARGETS.importMBs} MB/s)`);
  const again = await timedImport(home, codexHome);
  lines.push(`  a second run (nothing new): ${(again.ms / 1000).toFixed(2)} s`);
}

/** Small finished sessions, 100 per day folder, as a long Codex history holds them. Returns their count. */
function writeSmallSessions(codexHome: string, count: number): number {
  for (let i = 0; i < count; i++) {
    const day = Math.floor(i / 100);
    const dir = path.join(codexHome, 'sessions', String(2020 + Math.floor(day / 336)), String(1 + (Math.floor(day / 28) % 12)).padStart(2, '0'), String(1 + (day % 28)).padStart(2, '0'));
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    const id = `01a00000-0000-7000-8000-${String(i).padStart(12, '0')}`;
    const ts = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toISOString();
    const fd = openSync(path.join(dir, `rollout-${ts.slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`), 'w');
    writeSync(fd, `${JSON.stringify({ timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/work', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } })}\n`);
    writeSync(fd, `${JSON.stringify({ timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: `session ${i}: fix the flaky test` } })}\n`);
    closeSync(fd);
  }
  return count;
}

/**
 * How long live sync holds the server: an app-server keeping a Codex home of SYNC_SESSIONS sessions in sync
 * (imported beforehand) answers a cheap request every 5 ms for SYNC_WINDOW_MS, which spans two of its full scans
 * of the home (every 30 s). Printed: the latency of those requests (a stall shows in p99.9 and the maximum).
 */
async function syncBench(lines: string[]): Promise<void> {
  const codexHome = tempDir('codex-web-bench-sync-codex-');
  const home = tempDir('codex-web-bench-sync-home-');
  writeSmallSessions(codexHome, SYNC_SESSIONS);
  await timedImport(home, codexHome);
  const s = spec(home);
  const rpc = new StdioRpc({ ...s, args: [...s.args, '--codex-home', codexHome] });
  try {
    await rpc.handshake(60_000);
    // The first look at the home (every session, all unchanged) goes by before the window opens.
    await new Promise((r) => setTimeout(r, 10_000));
    const samples: number[] = [];
    const end = performance.now() + SYNC_WINDOW_MS;
    while (performance.now() < end) {
      samples.push((await rpc.request('thread/loaded/list', {}, 30_000)).ms);
      await new Promise((r) => setTimeout(r, 5));
    }
    const slow = samples.filter((ms) => ms > 50).length;
    lines.push(`\nLive sync of ${SYNC_SESSIONS.toLocaleString('en-US')} sessions (app-server --codex-home), a request every 5 ms for ${SYNC_WINDOW_MS / 1000} s (two full scans)`);
    lines.push(`  p50 ${fmtMs(percentile(samples, 50))} ms   p99 ${fmtMs(percentile(samples, 99))} ms   p99.9 ${fmtMs(percentile(samples, 99.9))} ms   max ${fmtMs(Math.max(...samples))} ms   over 50 ms: ${slow} of ${samples.length}`);
  } finally {
    await rpc.close();
  }
}

async function referenceBench(lines: string[]): Promise<void> {
  const codex = process.env.CODEX_REF_BIN ?? referencePaths().codex;
  if (process.env.BENCH_NO_REFERENCE || !existsSync(codex)) {
    lines.push('\nReference: skipped');
    return;
  }
  const refHome = tempDir('codex-web-bench-ref-');
  const cwd = tempDir('codex-web-bench-ref-cwd-');
  const ds = makeDataset(REF_THREADS);
  seedReference(refHome, ds.threads, cwd);
  lines.push(`\nAt ${REF_THREADS.toLocaleString('en-US')} threads (reference rollouts; ours: the same rollouts imported)`);
  const refSpec: SpawnSpec = { command: codex, args: ['app-server'], env: { ...process.env, CODEX_HOME: refHome, RUST_LOG: 'error' }, cwd };
  const ourHome = tempDir('codex-web-bench-ref-ours-');
  await timedImport(ourHome, refHome);
  const queries: [string, string, Record<string, unknown>][] = [
    ['thread/list', `searchTerm "${COMMON_TERM}"`, { searchTerm: COMMON_TERM, limit: 25 }],
    ['thread/list', `searchTerm "${RARE_TERM}"`, { searchTerm: RARE_TERM, limit: 25 }],
    ['thread/list', `searchTerm "${NO_MATCH_TERM}"`, { searchTerm: NO_MATCH_TERM, limit: 25 }],
    ['thread/search', `"${COMMON_TERM}"`, { searchTerm: COMMON_TERM, limit: 25 }],
    ['thread/search', `"${RARE_TERM}"`, { searchTerm: RARE_TERM, limit: 25 }],
    ['thread/search', `"${NO_MATCH_TERM}"`, { searchTerm: NO_MATCH_TERM, limit: 25 }],
  ];
  const measure = async (s: SpawnSpec, n: number, timeoutMs: number) => {
    const rpc = new StdioRpc(s);
    const out: string[] = [];
    try {
      await rpc.handshake(60_000, { experimentalApi: true });
      for (const [method, label, params] of queries) {
        try {
          const samples: number[] = [];
          for (let i = 0; i < n; i++) samples.push((await rpc.request(method, params, timeoutMs)).ms);
          out.push(`${method} ${label}: ${summary(samples)} (n=${n})`);
        } catch (err) {
          out.push(`${method} ${label}: failed (${err instanceof Error ? err.message.slice(0, 80) : String(err)})`);
        }
      }
    } finally {
      await rpc.close();
    }
    return out;
  };
  const ref = await measure(refSpec, 3, 120_000);
  const ours = await measure(spec(ourHome), 50, 30_000);
  for (let i = 0; i < queries.length; i++) {
    lines.push(`  reference ${ref[i]}`);
    lines.push(`  codex-web ${ours[i]}`);
  }
}

if (!process.env.BENCH_LIBRARY) runBench(async () => {
  if (!process.env.BENCH_NO_BUILD) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-server.mjs')], { stdio: 'inherit' });
  const lines: string[] = [`bench:search (scale ${SCALE})`];
  const flush = () => {
    console.log(lines.splice(0).join('\n'));
  };
  const only = new Set((process.env.BENCH_ONLY ?? 'title,content,import,sync,reference').split(','));
  for (const [name, part] of [['title', titleBench], ['content', contentBench], ['import', importBench], ['sync', syncBench], ['reference', referenceBench]] as const) {
    if (!only.has(name)) continue;
    await part(lines);
    flush();
  }
  if (problems.length > 0) {
    console.log(`\n${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    process.exitCode = 1;
  }
});
