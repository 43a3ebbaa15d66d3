/**
 * `npm run bench:list` — thread/list and title-search latency over stdio (issue 2, "Benchmark").
 *
 * For 10,000 and 100,000 seeded threads: startup to `initialize` answered, a plain page of 25,
 * title search with a common / rare / no-match term, and paging through every match of the common
 * term. Prints p50/p90 and checks the targets (search p50 ≤ 5 ms at 10k, ≤ 50 ms at 100k).
 *
 * Optional: CODEX_REF_BIN=/path/to/codex also runs the reference `codex app-server` at 10k threads
 * (bounded by timeouts). This is a benchmark, not a test: never run it in CI.
 *
 * Env: BENCH_NO_BUILD=1 skips `node scripts/build-server.mjs`; BENCH_SIZES=10000,100000 overrides the sizes.
 */
import { execFileSync } from 'node:child_process';
import { check, cleanup, problems, runBench, tempDir } from './lib/run-state';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { COMMON_TERM, makeDataset, NO_MATCH_TERM, RARE_TERM, type Dataset } from './lib/dataset';
import { seedCodexWeb, seedReference } from './lib/seed';
import { fmtMs, summarize, type Summary } from './lib/stats';
import { StdioRpc, type SpawnSpec } from './lib/stdio-rpc';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = path.join(ROOT, 'dist', 'codex-web.mjs');
const PAGE = 25;
const STARTUP_SAMPLES = 10;
const PAGE_SAMPLES = 50;
const SEARCH_SAMPLES = 40;
const WARMUP = 3;
const REQUEST_TIMEOUT_MS = 30_000;
const REF_BUDGET_MS = 100_000;
const REF_ISSUE = { search: 6200, page: 121 };

interface ListResult {
  data: { id: string; name: string | null; preview: string }[];
  nextCursor: string | null;
}

type MetricKey = 'startup' | 'page' | 'common' | 'rare' | 'none' | 'pageAll';
const METRICS: { key: MetricKey; label: string }[] = [
  { key: 'startup', label: 'spawn → initialize answered' },
  { key: 'page', label: `thread/list page of ${PAGE}` },
  { key: 'common', label: `search common "${COMMON_TERM}"` },
  { key: 'rare', label: `search rare "${RARE_TERM}"` },
  { key: 'none', label: `search no-match "${NO_MATCH_TERM}"` },
  { key: 'pageAll', label: 'page all common matches, per page' },
];

interface RunResult {
  label: string;
  metrics: Partial<Record<MetricKey, Summary>>;
  notes: string[];
}


const titleOf = (t: { name: string | null; preview: string }) => t.name ?? t.preview;

async function list(rpc: StdioRpc, params: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS) {
  return rpc.request<ListResult>('thread/list', { limit: PAGE, sortKey: 'created_at', ...params }, timeoutMs);
}

/** Takes up to `max` samples (at least `min`), stopping early once `budgetMs` is spent. */
async function sample(max: number, fn: () => Promise<number>, budgetMs = Infinity, min = 1): Promise<number[]> {
  const out: number[] = [];
  const start = performance.now();
  while (out.length < max && (out.length < min || performance.now() - start < budgetMs)) out.push(await fn());
  return out;
}

async function measureStartups(spec: SpawnSpec, count: number, timeoutMs: number): Promise<number[]> {
  return sample(count, async () => {
    const rpc = new StdioRpc(spec);
    try {
      return await rpc.handshake(timeoutMs);
    } finally {
      await rpc.close();
    }
  });
}

async function measureSearch(label: string, rpc: StdioRpc, term: string, expected: number, samples: number, budgetMs = Infinity, min = 1) {
  const want = Math.min(PAGE, expected);
  return sample(
    samples,
    async () => {
      const { result, ms } = await list(rpc, { searchTerm: term });
      check(result.data.length === want, `${label}: search "${term}": ${result.data.length} rows, expected ${want}`);
      check(result.data.every((t) => titleOf(t).includes(term)), `${label}: search "${term}": a row whose title lacks the term`);
      return ms;
    },
    budgetMs,
    min,
  );
}

/** Pages through every match of `term`; returns per-page latencies and the total wall time. */
async function pageAll(rpc: StdioRpc, term: string, expected: number, label: string, budgetMs = Infinity) {
  const perPage: number[] = [];
  const seen = new Set<string>();
  let rows = 0;
  let cursor: string | null = null;
  const start = performance.now();
  do {
    const { result, ms }: { result: ListResult; ms: number } = await list(rpc, { searchTerm: term, ...(cursor ? { cursor } : {}) });
    perPage.push(ms);
    for (const t of result.data) {
      rows++;
      seen.add(t.id);
      if (!titleOf(t).includes(term)) problems.push(`${label}: paged row ${t.id} lacks "${term}"`);
    }
    cursor = result.nextCursor;
    if (performance.now() - start > budgetMs) return { perPage, totalMs: performance.now() - start, complete: false };
  } while (cursor);
  const totalMs = performance.now() - start;
  check(rows === expected, `${label}: paging returned ${rows} rows, expected ${expected}`);
  check(seen.size === rows, `${label}: paging repeated ${rows - seen.size} rows`);
  return { perPage, totalMs, complete: true };
}

async function benchCodexWeb(n: number, ds: Dataset): Promise<RunResult> {
  const label = `codex-web ${n / 1000}k`;
  const home = tempDir('codex-web-bench-');
  const notes: string[] = [];
  const t0 = performance.now();
  seedCodexWeb(home, ds.threads);
  notes.push(
    `seeded ${n.toLocaleString('en-US')} threads in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
      `(${ds.identicalCreatedAt} share a created_at with their predecessor); matches: common ${ds.matches.common}, rare ${ds.matches.rare}, none ${ds.matches.none}`,
  );
  const spec: SpawnSpec = {
    command: process.execPath,
    args: [SERVER, 'app-server', '--home', home],
    env: { ...process.env, CODEX_WEB_LOG: 'silent' },
    // Not the home: the server refuses a workspace that holds its own home (the sandbox could not hide it).
    cwd: ROOT,
  };
  const metrics: RunResult['metrics'] = {};
  metrics.startup = summarize(await measureStartups(spec, STARTUP_SAMPLES, 15_000));

  const rpc = new StdioRpc(spec);
  try {
    await rpc.handshake(15_000);
    for (let i = 0; i < WARMUP; i++) {
      await list(rpc, {});
      for (const term of [COMMON_TERM, RARE_TERM, NO_MATCH_TERM]) await list(rpc, { searchTerm: term });
    }
    metrics.page = summarize(
      await sample(PAGE_SAMPLES, async () => {
        const { result, ms } = await list(rpc, {});
        check(result.data.length === PAGE && result.nextCursor !== null, `${label}: plain page returned ${result.data.length} rows`);
        return ms;
      }),
    );
    metrics.common = summarize(await measureSearch(label, rpc, COMMON_TERM, ds.matches.common, SEARCH_SAMPLES));
    metrics.rare = summarize(await measureSearch(label, rpc, RARE_TERM, ds.matches.rare, SEARCH_SAMPLES));
    metrics.none = summarize(await measureSearch(label, rpc, NO_MATCH_TERM, ds.matches.none, SEARCH_SAMPLES));
    const all = await pageAll(rpc, COMMON_TERM, ds.matches.common, label);
    metrics.pageAll = summarize(all.perPage);
    notes.push(`paged all ${ds.matches.common} "${COMMON_TERM}" matches: ${all.perPage.length} pages in ${fmtMs(all.totalMs)} ms total`);
  } finally {
    await rpc.close();
  }
  return { label, metrics, notes };
}

async function benchReference(bin: string, ds: Dataset): Promise<RunResult> {
  const label = 'reference 10k';
  const notes: string[] = [];
  const metrics: RunResult['metrics'] = {};
  const home = tempDir('codex-ref-bench-home-');
  const work = tempDir('codex-ref-bench-work-');
  const deadline = performance.now() + REF_BUDGET_MS;
  const left = () => Math.max(1000, deadline - performance.now());

  const t0 = performance.now();
  seedReference(home, ds.threads, work);
  notes.push(`wrote ${ds.threads.length.toLocaleString('en-US')} rollout files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const spec: SpawnSpec = {
    command: bin,
    args: ['app-server'],
    env: { ...process.env, CODEX_HOME: home, RUST_LOG: 'error', NO_COLOR: '1' },
    cwd: work,
  };

  // First start on a fresh home: the reference indexes the rollout files into its state DB.
  const cold = new StdioRpc(spec);
  try {
    const startMs = await cold.handshake(Math.min(60_000, left()));
    const first = await list(cold, {}, Math.min(60_000, left()));
    notes.push(`cold start (fresh home): initialize ${fmtMs(startMs)} ms, first page ${fmtMs(first.ms)} ms (${first.result.data.length} rows)`);
  } finally {
    await cold.close();
  }
  metrics.startup = summarize(await measureStartups(spec, 3, Math.min(30_000, left())));

  const rpc = new StdioRpc(spec);
  try {
    await rpc.handshake(Math.min(30_000, left()));
    await list(rpc, {}, left());
    metrics.page = summarize(
      await sample(20, async () => {
        const { result, ms } = await list(rpc, {}, left());
        check(result.data.length === PAGE, `${label}: plain page returned ${result.data.length} rows`);
        return ms;
      }, 10_000, 3),
    );
    // A few samples each: the reference is orders of magnitude slower, and the whole section is time-boxed.
    const searchBudget = () => Math.min(15_000, left() / 4);
    metrics.common = summarize(await measureSearch(label, rpc, COMMON_TERM, ds.matches.common, 20, searchBudget(), 2));
    metrics.rare = summarize(await measureSearch(label, rpc, RARE_TERM, ds.matches.rare, 20, searchBudget(), 2));
    metrics.none = summarize(await measureSearch(label, rpc, NO_MATCH_TERM, ds.matches.none, 20, searchBudget(), 2));
    const all = await pageAll(rpc, COMMON_TERM, ds.matches.common, label, Math.min(20_000, left()));
    metrics.pageAll = summarize(all.perPage);
    notes.push(
      all.complete
        ? `paged all ${ds.matches.common} "${COMMON_TERM}" matches: ${all.perPage.length} pages in ${fmtMs(all.totalMs)} ms total`
        : `paging all "${COMMON_TERM}" matches stopped after ${all.perPage.length} pages / ${fmtMs(all.totalMs)} ms (time box); ` +
            `extrapolated total ≈ ${fmtMs((all.totalMs / all.perPage.length) * Math.ceil(ds.matches.common / PAGE))} ms`,
    );
  } finally {
    await rpc.close();
  }
  return { label, metrics, notes };
}

function printTable(runs: RunResult[], ratioAgainst?: { ours: RunResult; ref: RunResult }): void {
  const col = 24;
  const header = ['metric (ms)'.padEnd(36), ...runs.map((r) => r.label.padStart(col))].join('');
  const sub = [''.padEnd(36), ...runs.map(() => `${'n'.padStart(5)}${'p50'.padStart(10)}${'p90'.padStart(9)}`)].join('');
  const lines = [header, sub + (ratioAgainst ? '   ref/ours p50' : ''), '-'.repeat(sub.length + (ratioAgainst ? 15 : 0))];
  for (const { key, label } of METRICS) {
    const cells = runs.map((r) => {
      const s = r.metrics[key];
      return s ? `${String(s.n).padStart(5)}${fmtMs(s.p50).padStart(10)}${fmtMs(s.p90).padStart(9)}` : `${'-'.padStart(5)}${'-'.padStart(10)}${'-'.padStart(9)}`;
    });
    let ratio = '';
    if (ratioAgainst) {
      const a = ratioAgainst.ours.metrics[key];
      const b = ratioAgainst.ref.metrics[key];
      if (a && b) ratio = `${(b.p50 / a.p50).toFixed(b.p50 / a.p50 >= 10 ? 0 : 1)}×`.padStart(15);
    }
    lines.push(label.padEnd(36) + cells.join('') + ratio);
  }
  console.log(lines.join('\n'));
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map((s) => Number(s.trim()));
  if (process.env.BENCH_NO_BUILD !== '1') execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-server.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run node scripts/build-server.mjs`);
  console.log(`bench:list — node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs, page size ${PAGE}, sortKey created_at\n`);

  const started = performance.now();
  const runs: RunResult[] = [];
  const datasets = new Map<number, Dataset>();
  for (const n of sizes) {
    const ds = makeDataset(n);
    datasets.set(n, ds);
    runs.push(await benchCodexWeb(n, ds));
    cleanup();
  }

  let ref: RunResult | undefined;
  const refBin = process.env.CODEX_REF_BIN;
  if (refBin && process.env.CI) console.log('CI is set: skipping the reference run (a benchmark, never run in CI)\n');
  else if (refBin) {
    if (!existsSync(refBin)) console.log(`CODEX_REF_BIN=${refBin} does not exist: skipping the reference run\n`);
    else {
      try {
        ref = await benchReference(refBin, datasets.get(10_000) ?? makeDataset(10_000));
      } catch (err) {
        console.log(`reference run aborted: ${(err as Error).message}\n`);
      } finally {
        cleanup();
      }
    }
  }

  const ours10k = runs.find((r) => r.label === 'codex-web 10k');
  printTable(ref ? [...runs, ref] : runs, ref && ours10k ? { ours: ours10k, ref } : undefined);
  console.log('');
  for (const r of ref ? [...runs, ref] : runs) for (const note of r.notes) console.log(`${r.label}: ${note}`);
  if (!ref) {
    console.log(
      `reference (from issue): @openai/codex 0.169.0 app-server at 10k threads ≈ ${REF_ISSUE.search.toLocaleString('en-US')} ms per title search, ` +
        `${REF_ISSUE.page} ms per plain page of 25` +
        (ours10k?.metrics.none && ours10k.metrics.page
          ? ` (ours: ×${Math.round(REF_ISSUE.search / ours10k.metrics.none.p50)} on no-match search, ×${Math.round(REF_ISSUE.page / ours10k.metrics.page.p50)} on a page)`
          : ''),
    );
  }

  console.log('\ntargets (title search p50):');
  let failed = false;
  for (const r of runs) {
    const n = Number(r.label.match(/(\d+)k$/)?.[1] ?? '0') * 1000;
    const target = n <= 10_000 ? 5 : n <= 100_000 ? 50 : undefined;
    if (target === undefined) continue;
    for (const key of ['common', 'rare', 'none'] as const) {
      const s = r.metrics[key];
      const pass = s !== undefined && s.p50 <= target;
      failed ||= !pass;
      console.log(`  ${r.label.padEnd(16)} ${key.padEnd(7)} p50 ${fmtMs(s?.p50).padStart(7)} ms ≤ ${String(target).padStart(2)} ms   ${pass ? 'PASS' : 'FAIL'}`);
    }
  }
  if (problems.length > 0) {
    console.log(`\ncorrectness problems (${problems.length}):`);
    for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
  }
  console.log(`\ntotal bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // Discrepancies in the reference run are reported, but only our own results decide the exit code.
  if (failed || problems.some((p) => !p.startsWith('reference'))) process.exitCode = 1;
}

runBench(main);
