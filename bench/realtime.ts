/**
 * `npm run bench:realtime` — latency the realtime broker adds to audio (issue 4, "Measure").
 *
 * Our real server (`app-server` on stdio, CODEX_WEB_LOG=silent) brokers a v2 WebSocket realtime session to a
 * fake upstream on 127.0.0.1 (test/support/realtime-upstream.ts), both ends in this process, one clock:
 *   in:  `thread/realtime/appendAudio` line written → the `input_audio_buffer.append` frame received upstream;
 *   out: upstream `response.output_audio.delta` sent → `thread/realtime/outputAudio/delta` line read here.
 * 5,000 frames each way of 20 ms of 24 kHz mono PCM16 (960 bytes, base64), paced every 20 ms, frame number in
 * the first 4 PCM bytes. Meanwhile a delegated turn runs: the upstream calls `background_agent` first, and the
 * mock Responses server streams its answer slowly (one delta every 50 ms) for the whole run.
 * Target: p99 ≤ 5 ms each way. Prints figures and PASS/FAIL (exit 1 on FAIL).
 *
 * Env: BENCH_NO_BUILD=1 skips the build; BENCH_FRAMES (5000) and BENCH_PACE_MS (20) change the run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sse, startMockResponsesServer } from '../test/support/mock-responses-server';
import { backgroundAgentCall, realtimeConfigToml } from '../test/support/realtime-harness';
import { startRealtimeWsServer } from '../test/support/realtime-upstream';
import { fmtMs, percentile } from './lib/stats';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = path.join(ROOT, 'dist', 'codex-web.mjs');
const FRAMES = Number(process.env.BENCH_FRAMES ?? 5000);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 20);
const WARMUP = 100;
const TARGET_P99_MS = 5;
const FRAME_BYTES = 960; // 20 ms at 24 kHz, mono, 16-bit

type Msg = { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown; error?: { message: string } };

/** A minimal stdio JSON-RPC client that timestamps every line as it is read. */
function startServer(home: string) {
  const child = spawn(process.execPath, [SERVER, 'app-server', '--home', home], { env: { ...process.env, CODEX_WEB_LOG: 'silent' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const waiters = new Map<number, (m: Msg) => void>();
  const listeners: ((m: Msg, at: number) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const at = performance.now();
    const m = JSON.parse(line) as Msg;
    if (m.method === undefined && typeof m.id === 'number') waiters.get(m.id)?.(m);
    else for (const l of listeners) l(m, at);
  });
  let nextId = 1;
  const write = (method: string, params: unknown) => {
    const id = nextId++;
    child.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    return id;
  };
  const request = (method: string, params: unknown) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = write(method, params);
      const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 10_000);
      waiters.set(id, (m) => {
        clearTimeout(timer);
        waiters.delete(id);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result as Record<string, unknown>);
      });
    });
  const nextNotification = (method: string) =>
    new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${method} within 10 s`)), 10_000);
      const l = (m: Msg) => {
        if (m.method !== method) return;
        clearTimeout(timer);
        listeners.splice(listeners.indexOf(l), 1);
        resolve(m);
      };
      listeners.push(l);
    });
  return { child, write, request, nextNotification, listeners };
}

/** PCM frame `n` as base64: the frame number in the first 4 bytes, silence after. */
function frame(n: number): string {
  const pcm = Buffer.alloc(FRAME_BYTES);
  pcm.writeUInt32LE(n, 0);
  return pcm.toString('base64');
}
const frameNumber = (b64: string) => Buffer.from(b64.slice(0, 8), 'base64').readUInt32LE(0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  if (!process.env.BENCH_NO_BUILD) {
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('server build failed');
  }
  const runSeconds = ((FRAMES + WARMUP) * PACE_MS) / 1000 + 10;
  const deltas = Math.ceil((runSeconds * 1000) / 50);
  const mock = await startMockResponsesServer({ replies: [sse.slow(sse.message('x'.repeat(deltas), { deltas }), 50)] });
  const upstream = await startRealtimeWsServer([{ batches: [[backgroundAgentCall('call_bench', 'run the slow task')]], closeAfterRequests: false }]);
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-bench-rt-'));
  writeFileSync(path.join(home, 'config.toml'), realtimeConfigToml({ providerUrl: mock.url, realtimeUrl: upstream.uri, startupContext: 'bench' }));
  const server = startServer(home);
  try {
    await server.request('initialize', { clientInfo: { name: 'bench', version: '0' }, capabilities: { experimentalApi: true } });
    await server.request('account/login/start', { type: 'apiKey', apiKey: 'sk-bench' });
    const { thread } = (await server.request('thread/start', {})) as { thread: { id: string } };
    const threadId = thread.id;
    const started = server.nextNotification('thread/realtime/started');
    const turnStarted = server.nextNotification('turn/started');
    await server.request('thread/realtime/start', { threadId, transport: { type: 'websocket' } });
    await started;
    await turnStarted;
    let turnDone = false;
    let deltasDuringRun = 0;
    const inSent = new Map<number, number>();
    const outSent = new Map<number, number>();
    const inLatency: number[] = [];
    const outLatency: number[] = [];
    server.listeners.push((m, at) => {
      if (m.method === 'turn/completed') turnDone = true;
      if (m.method === 'item/agentMessage/delta') deltasDuringRun += 1;
      if (m.method !== 'thread/realtime/outputAudio/delta') return;
      const n = frameNumber((m.params!.audio as { data: string }).data);
      const t0 = outSent.get(n);
      if (t0 !== undefined && n >= WARMUP) outLatency.push(at - t0);
    });
    upstream.onMessage = (_conn, text, at) => {
      if (!text.startsWith('{"type":"input_audio_buffer.append"')) return;
      const n = frameNumber((JSON.parse(text) as { audio: string }).audio);
      const t0 = inSent.get(n);
      if (t0 !== undefined && n >= WARMUP) inLatency.push(at - t0);
    };

    const total = FRAMES + WARMUP;
    console.log(`realtime broker latency: ${FRAMES} frames each way (+${WARMUP} warm-up), one every ${PACE_MS} ms, delegated turn streaming meanwhile`);
    const startedAt = performance.now();
    for (let n = 0; n < total; n += 1) {
      const due = startedAt + n * PACE_MS;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const data = frame(n);
      inSent.set(n, performance.now());
      server.write('thread/realtime/appendAudio', { threadId, audio: { data, sampleRate: 24000, numChannels: 1, samplesPerChannel: 480, itemId: null } });
      // Output frames interleave halfway between input frames.
      setTimeout(() => {
        outSent.set(n, performance.now());
        upstream.send(0, { type: 'response.output_audio.delta', delta: data, sample_rate: 24000, channels: 1, samples_per_channel: 480, item_id: 'item_bench' });
      }, PACE_MS / 2);
    }
    const deadline = performance.now() + 5000;
    while ((inLatency.length < FRAMES || outLatency.length < FRAMES) && performance.now() < deadline) await sleep(20);
    const turnRanThroughout = !turnDone;

    const report = (label: string, xs: number[]) => {
      const p50 = percentile(xs, 50);
      const p99 = percentile(xs, 99);
      console.log(`  ${label}: n=${xs.length}  p50 ${fmtMs(p50)} ms  p99 ${fmtMs(p99)} ms  max ${fmtMs(Math.max(...xs))} ms`);
      return p99;
    };
    const inP99 = report('appendAudio → upstream append      ', inLatency);
    const outP99 = report('upstream delta → outputAudio/delta ', outLatency);
    console.log(`  delegated turn: ${turnRanThroughout ? 'still running at the end' : 'FINISHED EARLY'}, ${deltasDuringRun} agent deltas streamed to the client meanwhile`);
    const problems: string[] = [];
    if (inLatency.length < FRAMES || outLatency.length < FRAMES) problems.push(`lost frames: in ${inLatency.length}/${FRAMES}, out ${outLatency.length}/${FRAMES}`);
    if (inP99 > TARGET_P99_MS) problems.push(`in p99 ${fmtMs(inP99)} ms > ${TARGET_P99_MS} ms`);
    if (outP99 > TARGET_P99_MS) problems.push(`out p99 ${fmtMs(outP99)} ms > ${TARGET_P99_MS} ms`);
    if (!turnRanThroughout) problems.push('the delegated turn did not run for the whole measurement');
    console.log(problems.length === 0 ? `PASS (target p99 ≤ ${TARGET_P99_MS} ms each way)` : `FAIL: ${problems.join('; ')}`);
    process.exitCode = problems.length === 0 ? 0 : 1;
  } finally {
    server.child.kill('SIGTERM');
    await Promise.all([upstream.close(), mock.close()]);
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
