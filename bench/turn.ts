/**
 * `npm run bench:turn` — agent turn latency and streaming throughput over stdio (issue 3, "Benchmarks").
 *
 * The real server (`app-server`, CODEX_WEB_LOG=silent) against the scripted mock Responses server
 * (testkit/mock-responses-server.ts), approval_policy = "never":
 *   (a) round trip of a trivial turn — turn/start written → turn/completed read — over 50 turns on one thread
 *       after 5 warm-up turns; target p50 ≤ 25 ms (reference app-server 0.169: p50 116 ms per the issue);
 *   (b) streaming — one response of 20,000 text deltas: turn/start written → the client holds all 20,000
 *       `item/agentMessage/delta` notifications, as deltas/s (target ≥ 50,000/s), 3 runs on one thread
 *       with the server's VmRSS before/after each run (no unbounded growth: RSS after the last run minus
 *       after run 1, per run, ≤ RSS_GROWTH_PER_RUN_MB). Verdict on the median run; a warm-up stream goes first. Persistence is on (the default; deltas are not persisted).
 *
 * Also printed: the server's CPU time (user+system from /proc) per run and per trivial turn, which says how
 * much of a slow figure is the server itself rather than a busy machine.
 *
 * Optional: CODEX_REF_BIN=/path/to/codex also runs (a) against the reference `codex app-server` (CODEX_HOME = a
 * temp dir with the same kind of config.toml), bounded by timeouts. Skipped when CI is set: a benchmark, not a test.
 *
 * Env: BENCH_NO_BUILD=1 skips `node scripts/build-server.mjs`; BENCH_TURNS / BENCH_DELTAS / BENCH_STREAM_RUNS
 * override 50 / 20000 / 3; BENCH_NODE_ARGS adds node flags to our server, e.g.
 * BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/turn-prof" for a profile of each server process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { check, problems, runBench, tempDir, writeMockProviderConfig } from './lib/run-state';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startMockResponsesServer, type MockResponsesServer } from '../testkit/mock-responses-server';
import { sse, type SseReply } from '../testkit/responses-sse';
import { fmtMs, percentile, summarize, type Summary } from './lib/stats';
import { StdioRpc, type Incoming, type SpawnSpec } from './lib/stdio-rpc';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = path.join(ROOT, 'dist', 'codex-web.mjs');
const WARMUP = 5;
const TURNS = Number(process.env.BENCH_TURNS ?? 50);
const DELTAS = Number(process.env.BENCH_DELTAS ?? 20_000);
const STREAM_RUNS = Number(process.env.BENCH_STREAM_RUNS ?? 3);
const WARMUP_DELTAS = 2_000;
const TARGET = { p50Ms: 25, deltasPerSec: 50_000 };
/**
 * A server keeping every delta would add ~20-40 MB per 20,000-delta run; V8 also grows its heap lazily for a
 * while after the first big run. BENCH_STREAM_RUNS=30 BENCH_NODE_ARGS=--max-old-space-size=40 shows the live
 * heap stays bounded (the run completes, RSS flat) when RSS looks high.
 */
const RSS_GROWTH_PER_RUN_MB = 16;
const REF_ISSUE_P50_MS = 116;
const TURN_TIMEOUT_MS = 30_000;
const REF_BUDGET_MS = 120_000;


/** VmRSS of a process in MiB (Linux /proc), or NaN elsewhere. */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU time of a process in ms (Linux /proc, 10 ms ticks), or NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}
const CLOCK_TICKS = 100;

const fmtMb = (mb: number): string => (Number.isNaN(mb) ? '-' : `${mb.toFixed(1)} MB`);

/** Waits for the first incoming message matching `pred`; auto-accepts approvals so nothing blocks. */
class Inbox {
  private waiters: { pred: (m: Incoming) => boolean; resolve: (m: Incoming) => void }[] = [];
  /** Extra per-message hook (streaming counter). */
  tap: ((m: Incoming) => void) | null = null;

  constructor(private readonly rpc: StdioRpc) {
    rpc.onMessage = (m) => this.onMessage(m);
  }

  private onMessage(m: Incoming): void {
    if (m.id !== undefined && m.method.endsWith('/requestApproval')) this.rpc.respond(m.id, { decision: 'accept' });
    this.tap?.(m);
    for (let i = 0; i < this.waiters.length; i += 1) {
      const w = this.waiters[i]!;
      if (w.pred(m)) {
        this.waiters.splice(i, 1);
        w.resolve(m);
        return;
      }
    }
  }

  next(pred: (m: Incoming) => boolean, timeoutMs: number, what: string): Promise<Incoming> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`${what}: nothing within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (m: Incoming) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ pred, resolve: done });
    });
  }
}

interface TurnObject {
  id: string;
  status: string;
  error?: { message?: string } | null;
}

async function startThread(rpc: StdioRpc, cwd: string, timeoutMs: number): Promise<string> {
  const { result } = await rpc.request<{ thread: { id: string } }>('thread/start', { cwd }, timeoutMs);
  return result.thread.id;
}

/** One turn: ms from writing turn/start to reading its turn/completed. */
async function runTurn(rpc: StdioRpc, inbox: Inbox, threadId: string, text: string, timeoutMs: number): Promise<{ ms: number; turn: TurnObject }> {
  const completed = inbox.next((m) => m.method === 'turn/completed' && m.params.threadId === threadId, timeoutMs, `turn/completed (${text})`);
  const t0 = performance.now();
  const [{ result }, done] = await Promise.all([rpc.request<{ turn: TurnObject }>('turn/start', { threadId, input: [{ type: 'text', text }] }, timeoutMs, t0), completed]);
  const turn = done.params.turn as TurnObject;
  check(turn.id === result.turn.id, `turn/completed for ${turn.id}, expected ${result.turn.id}`);
  return { ms: done.at - t0, turn };
}

interface RoundTrip {
  label: string;
  summary?: Summary;
  notes: string[];
}

async function benchRoundTrip(label: string, spec: SpawnSpec, cwd: string, opts: { timeoutMs: number; deadline?: number }): Promise<RoundTrip> {
  const notes: string[] = [];
  const rpc = new StdioRpc(spec);
  const inbox = new Inbox(rpc);
  const left = () => (opts.deadline === undefined ? opts.timeoutMs : Math.max(1000, Math.min(opts.timeoutMs, opts.deadline - performance.now())));
  try {
    const startMs = await rpc.handshake(left());
    const threadId = await startThread(rpc, cwd, left());
    const samples: number[] = [];
    let cpuAtWarm = Number.NaN;
    for (let i = 0; i < WARMUP + TURNS; i += 1) {
      if (i === WARMUP) cpuAtWarm = cpuMs(rpc.child.pid);
      if (opts.deadline !== undefined && performance.now() > opts.deadline) {
        notes.push(`time box reached after ${samples.length} measured turns`);
        break;
      }
      const { ms, turn } = await runTurn(rpc, inbox, threadId, `trivial turn ${i + 1}`, left());
      check(turn.status === 'completed', `${label}: turn ${i + 1} ended ${turn.status}${turn.error?.message ? `: ${turn.error.message}` : ''}`);
      if (i >= WARMUP) samples.push(ms);
    }
    const s = summarize(samples);
    const cpuPerTurn = (cpuMs(rpc.child.pid) - cpuAtWarm) / samples.length;
    // Only the spawned process is counted: a launcher script (node_modules/.bin/codex) shows ~0, so say nothing then.
    if (!Number.isNaN(cpuPerTurn) && cpuPerTurn > 0) notes.push(`server CPU ${cpuPerTurn.toFixed(1)} ms per turn (user+system, /proc)`);
    notes.push(`spawn → initialize ${fmtMs(startMs)} ms; ${samples.length} turns after ${WARMUP} warm-up, one thread; min ${fmtMs(Math.min(...samples))} ms, max ${fmtMs(Math.max(...samples))} ms`);
    return { label, summary: s, notes };
  } finally {
    await rpc.close();
  }
}

interface StreamRun {
  ms: number;
  deltas: number;
  perSec: number;
  firstDeltaMs: number;
  completedMs: number;
  rssBefore: number;
  rssAfter: number;
  /** CPU the server process used during the run (user + system). */
  serverCpuMs: number;
}

/**
 * The SSE events pre-encoded as raw chunks (the wire format the mock server would produce), so the mock,
 * which shares this process with the measuring client, spends next to nothing while the clock runs.
 */
function preEncoded(reply: SseReply): SseReply {
  return sse.events(
    ...reply.events.map((e, i) => ('raw' in e && typeof e.raw === 'string' ? { raw: e.raw } : { raw: `event: ${String((e as Record<string, unknown>).type)}\ndata: ${JSON.stringify({ ...e, sequence_number: i })}\n\n` })),
  );
}

/** One streamed turn: ms from writing turn/start to reading the last of `deltas` agentMessage deltas. */
async function streamOnce(rpc: StdioRpc, inbox: Inbox, mock: MockResponsesServer, threadId: string, reply: SseReply, deltas: number, label: string) {
  mock.enqueue(reply);
  let count = 0;
  let chars = 0;
  let firstAt = 0;
  let allAt = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((resolve) => (resolveAll = resolve));
  inbox.tap = (m) => {
    if (m.method !== 'item/agentMessage/delta' || m.params.threadId !== threadId) return;
    count += 1;
    chars += (m.params.delta as string).length;
    if (count === 1) firstAt = m.at;
    if (count === deltas) {
      allAt = m.at;
      resolveAll();
    }
  };
  const completed = inbox.next((m) => m.method === 'turn/completed' && m.params.threadId === threadId, TURN_TIMEOUT_MS, `${label}: turn/completed`);
  const t0 = performance.now();
  await rpc.request('turn/start', { threadId, input: [{ type: 'text', text: `stream ${deltas} deltas` }] }, TURN_TIMEOUT_MS, t0);
  const done = await Promise.race([all.then(() => completed), completed]);
  inbox.tap = null;
  const turn = done.params.turn as TurnObject;
  const expectedChars = 'token '.length * deltas;
  check(turn.status === 'completed', `${label}: turn ended ${turn.status}${turn.error?.message ? `: ${turn.error.message}` : ''}`);
  check(count === deltas, `${label}: ${count} deltas, expected ${deltas}`);
  check(chars === expectedChars, `${label}: deltas carry ${chars} chars, expected ${expectedChars}`);
  const ms = (allAt || done.at) - t0;
  return { ms, deltas: count, perSec: count / (ms / 1000), firstDeltaMs: firstAt - t0, completedMs: done.at - t0 };
}

async function benchStreaming(spec: SpawnSpec, cwd: string, mock: MockResponsesServer): Promise<StreamRun[]> {
  const text = 'token '.repeat(DELTAS);
  const reply = preEncoded(sse.message(text, { deltas: DELTAS }));
  const rpc = new StdioRpc(spec);
  const inbox = new Inbox(rpc);
  const runs: StreamRun[] = [];
  try {
    await rpc.handshake(15_000);
    // One thread for every run (a long conversation): memory that grows per turn, not per thread, shows up.
    const threadId = await startThread(rpc, cwd, 15_000);
    // Warm up (not measured): a trivial turn, then a stream of WARMUP_DELTAS, so the JIT has seen the path.
    await runTurn(rpc, inbox, threadId, 'warm up', TURN_TIMEOUT_MS);
    await streamOnce(rpc, inbox, mock, threadId, preEncoded(sse.message('token '.repeat(WARMUP_DELTAS), { deltas: WARMUP_DELTAS })), WARMUP_DELTAS, 'warm-up');
    for (let r = 0; r < STREAM_RUNS; r += 1) {
      const rssBefore = rssMb(rpc.child.pid);
      const cpuBefore = cpuMs(rpc.child.pid);
      const run = await streamOnce(rpc, inbox, mock, threadId, reply, DELTAS, `streaming run ${r + 1}`);
      runs.push({ ...run, rssBefore, rssAfter: rssMb(rpc.child.pid), serverCpuMs: cpuMs(rpc.child.pid) - cpuBefore });
    }
  } finally {
    await rpc.close();
  }
  return runs;
}

function refVersion(bin: string): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout ?? '').trim().replace(/^codex-cli\s+/, '') || '?';
}

async function main(): Promise<void> {
  if (process.env.BENCH_NO_BUILD !== '1') execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-server.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run node scripts/build-server.mjs`);
  console.log(`bench:turn — node ${process.version}, ${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs, mock Responses server in the bench process\n`);
  const started = performance.now();

  // Unscripted requests get a trivial one-delta answer; the streaming runs enqueue their big reply.
  const mock = await startMockResponsesServer({ fallback: sse.message('ok') });
  const home = tempDir('codex-web-bench-turn-');
  const work = tempDir('codex-web-bench-work-');
  writeMockProviderConfig(home, mock.url);
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const spec: SpawnSpec = { command: process.execPath, args: [...nodeArgs, SERVER, 'app-server', '--home', home], env: { ...process.env, CODEX_WEB_LOG: 'silent' }, cwd: work };

  try {
    const ours = await benchRoundTrip('codex-web', spec, work, { timeoutMs: TURN_TIMEOUT_MS });
    const stream = await benchStreaming(spec, work, mock);

    let ref: RoundTrip | undefined;
    const refBin = process.env.CODEX_REF_BIN;
    if (refBin && process.env.CI) console.log('CI is set: skipping the reference run (a benchmark, never run in CI)\n');
    else if (refBin && !existsSync(refBin)) console.log(`CODEX_REF_BIN=${refBin} does not exist: skipping the reference run\n`);
    else if (refBin) {
      const refHome = tempDir('codex-ref-bench-turn-home-');
      const refWork = tempDir('codex-ref-bench-turn-work-');
      writeMockProviderConfig(refHome, mock.url);
      const refSpec: SpawnSpec = { command: refBin, args: ['app-server'], env: { ...process.env, CODEX_HOME: refHome, RUST_LOG: 'error', NO_COLOR: '1' }, cwd: refWork };
      try {
        ref = await benchRoundTrip(`reference ${refVersion(refBin)}`, refSpec, refWork, { timeoutMs: TURN_TIMEOUT_MS, deadline: performance.now() + REF_BUDGET_MS });
      } catch (err) {
        console.log(`reference run aborted: ${(err as Error).message}\n`);
      }
    }

    // (a) table
    const cols = ref ? [ours, ref] : [ours];
    const head = `${'trivial turn round trip (ms)'.padEnd(34)}${cols.map((c) => c.label.padStart(26)).join('')}`;
    const sub = `${''.padEnd(34)}${cols.map(() => `${'n'.padStart(8)}${'p50'.padStart(9)}${'p90'.padStart(9)}`).join('')}`;
    const row = `${'turn/start → turn/completed'.padEnd(34)}${cols
      .map((c) => (c.summary ? `${String(c.summary.n).padStart(8)}${fmtMs(c.summary.p50).padStart(9)}${fmtMs(c.summary.p90).padStart(9)}` : '-'.padStart(26)))
      .join('')}`;
    console.log([head, sub, '-'.repeat(sub.length), row].join('\n'));
    if (ref?.summary && ours.summary) console.log(`reference/ours p50: ${(ref.summary.p50 / ours.summary.p50).toFixed(1)}×`);
    else if (ours.summary) console.log(`reference (from issue): app-server 0.169 p50 ${REF_ISSUE_P50_MS} ms (ours ×${(REF_ISSUE_P50_MS / ours.summary.p50).toFixed(1)} faster)`);
    for (const c of cols) for (const n of c.notes) console.log(`${c.label}: ${n}`);

    // (b) table
    console.log(`\nstreaming: one response of ${DELTAS.toLocaleString('en-US')} deltas (turn/start → client holds all item/agentMessage/delta)`);
    console.log(`${'run'.padEnd(5)}${'all deltas ms'.padStart(14)}${'deltas/s'.padStart(11)}${'1st delta ms'.padStart(14)}${'completed ms'.padStart(14)}${'server CPU ms'.padStart(15)}${'RSS before'.padStart(13)}${'RSS after'.padStart(12)}`);
    console.log('-'.repeat(98));
    stream.forEach((s, i) =>
      console.log(
        `${String(i + 1).padEnd(5)}${fmtMs(s.ms).padStart(14)}${Math.round(s.perSec).toLocaleString('en-US').padStart(11)}${fmtMs(s.firstDeltaMs).padStart(14)}${fmtMs(s.completedMs).padStart(14)}${(Number.isNaN(s.serverCpuMs) ? '-' : s.serverCpuMs.toFixed(0)).padStart(15)}${fmtMb(s.rssBefore).padStart(13)}${fmtMb(s.rssAfter).padStart(12)}`,
      ),
    );

    const cpuRuns = stream.filter((r) => !Number.isNaN(r.serverCpuMs) && r.serverCpuMs > 0);
    if (cpuRuns.length > 0) {
      const usPerDelta = percentile(cpuRuns.map((r) => (r.serverCpuMs * 1000) / r.deltas), 50);
      console.log(`server CPU per delta (median run): ${usPerDelta.toFixed(1)} µs — at most ~${Math.round(1e6 / usPerDelta).toLocaleString('en-US')} deltas/s on one core, whatever the client`);
    }

    // Targets
    console.log('\ntargets:');
    let failed = false;
    const verdict = (pass: boolean) => {
      failed ||= !pass;
      return pass ? 'PASS' : 'FAIL';
    };
    const p50 = ours.summary?.p50;
    console.log(`  trivial turn p50        ${fmtMs(p50).padStart(9)} ms ≤ ${TARGET.p50Ms} ms            ${verdict(p50 !== undefined && p50 <= TARGET.p50Ms)}`);
    const median = stream.length ? percentile(stream.map((r) => r.perSec), 50) : 0;
    const worst = stream.length ? Math.min(...stream.map((r) => r.perSec)) : 0;
    console.log(
      `  streaming (median run)  ${Math.round(median).toLocaleString('en-US').padStart(9)} /s ≥ ${TARGET.deltasPerSec.toLocaleString('en-US')}/s       ${verdict(median >= TARGET.deltasPerSec)}` +
        `   (worst run ${Math.round(worst).toLocaleString('en-US')}/s)`,
    );
    const first = stream[0];
    const last = stream.at(-1);
    const perRun = first && last && stream.length > 1 ? (last.rssAfter - first.rssAfter) / (stream.length - 1) : Number.NaN;
    console.log(
      `  RSS growth per run      ${(Number.isNaN(perRun) ? '-' : `${perRun >= 0 ? '+' : ''}${perRun.toFixed(1)}`).padStart(9)} MB ≤ ${RSS_GROWTH_PER_RUN_MB} MB            ${verdict(!Number.isNaN(perRun) && perRun <= RSS_GROWTH_PER_RUN_MB)}`,
    );
    if (problems.length > 0) {
      console.log(`\ncorrectness problems (${problems.length}):`);
      for (const p of problems.slice(0, 20)) console.log(`  ${p}`);
    }
    console.log(`\ntotal bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (failed || problems.some((p) => !p.startsWith('reference'))) process.exitCode = 1;
  } finally {
    await mock.close();
  }
}

runBench(main);
