/**
 * `npm run bench:realtime` — latency the realtime broker adds to audio (issue 4, "Measure").
 *
 * Our real server (`app-server` on stdio, CODEX_WEB_LOG=silent) brokers a v2 WebSocket realtime session to a
 * fake upstream on 127.0.0.1 (testkit/realtime-upstream.ts), both ends in this process, one clock:
 *   in:  `thread/realtime/appendAudio` line written → the `input_audio_buffer.append` frame received upstream;
 *   out: upstream `response.output_audio.delta` sent → `thread/realtime/outputAudio/delta` line read here.
 * 5,000 frames each way of 20 ms of 24 kHz mono PCM16 (960 bytes, base64), paced every 20 ms, frame number in
 * the first 4 PCM bytes. Meanwhile a delegated turn runs: the upstream calls `background_agent` first, and the
 * mock Responses server streams its answer slowly (one delta every 50 ms) for the whole run.
 * Target: p99 ≤ 5 ms each way. Prints figures and PASS/FAIL (exit 1 on FAIL).
 *
 * A baseline first sends 1,000 frames each way through a bare stdio↔WebSocket relay process (no broker) to show
 * what the machine alone costs; BENCH_BASELINE=0 skips it.
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
import { realtimeConfigToml } from '../testkit/mock-provider-config';
import { startMockResponsesServer } from '../testkit/mock-responses-server';
import { backgroundAgentCall, startRealtimeWsServer } from '../testkit/realtime-upstream';
import { sse } from '../testkit/responses-sse';
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

interface Probe {
  /** Sends input frame n (client side) and output frame n (upstream side). */
  sendIn(n: number, data: string): void;
  sendOut(n: number, data: string): void;
}

/** Paces FRAMES (+ warm-up) frames each way and collects the latencies `arrived` reports. */
async function measure(probe: Probe, frames: number) {
  const sent = { in: new Map<number, number>(), out: new Map<number, number>() };
  const lat = { in: [] as number[], out: [] as number[] };
  const arrived = (dir: 'in' | 'out', n: number, at: number) => {
    const t0 = sent[dir].get(n);
    if (t0 !== undefined && n >= WARMUP) lat[dir].push(at - t0);
  };
  const run = async () => {
    const startedAt = performance.now();
    for (let n = 0; n < frames + WARMUP; n += 1) {
      const wait = startedAt + n * PACE_MS - performance.now();
      if (wait > 1) await sleep(wait);
      const data = frame(n);
      sent.in.set(n, performance.now());
      probe.sendIn(n, data);
      // Output frames interleave halfway between input frames.
      setTimeout(() => {
        sent.out.set(n, performance.now());
        probe.sendOut(n, data);
      }, PACE_MS / 2);
    }
    const deadline = performance.now() + 5000;
    while ((lat.in.length < frames || lat.out.length < frames) && performance.now() < deadline) await sleep(20);
    return lat;
  };
  return { arrived, run };
}

const summary = (xs: number[]) => ({ n: xs.length, p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs) });
const line = (label: string, xs: number[]) => {
  const s = summary(xs);
  console.log(`  ${label}: n=${s.n}  p50 ${fmtMs(s.p50)} ms  p99 ${fmtMs(s.p99)} ms  max ${fmtMs(s.max)} ms`);
  return s;
};

/**
 * The same two hops with no broker: a bare relay process (stdin line → WebSocket frame, frame → stdout line)
 * between this process and a fake upstream. What the machine itself costs, for reading the broker figures.
 */
async function baseline(frames: number) {
  const upstream = await startRealtimeWsServer([{ batches: [], closeAfterRequests: false }]);
  const relaySource = `import WebSocket from 'ws'; import { createInterface } from 'node:readline';
const ws = new WebSocket(process.argv[1], { perMessageDeflate: false });
ws.on('open', () => { createInterface({ input: process.stdin }).on('line', (l) => ws.send(l)); process.stdout.write('ready\\n'); });
ws.on('message', (d) => process.stdout.write(d.toString() + '\\n'));`;
  const relay = spawn(process.execPath, ['--input-type=module', '-e', relaySource, upstream.uri], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    const m = await measure(
      {
        sendIn: (_n, data) => relay.stdin!.write(`{"type":"input_audio_buffer.append","audio":"${data}"}\n`),
        sendOut: (_n, data) => upstream.send(0, { type: 'response.output_audio.delta', delta: data }),
      },
      frames,
    );
    const ready = new Promise<void>((resolve) =>
      createInterface({ input: relay.stdout! }).on('line', (text) => {
        const at = performance.now();
        if (text === 'ready') return resolve();
        m.arrived('out', frameNumber((JSON.parse(text) as { delta: string }).delta), at);
      }),
    );
    upstream.onMessage = (_c, text, at) => m.arrived('in', frameNumber((JSON.parse(text) as { audio: string }).audio), at);
    await ready;
    return await m.run();
  } finally {
    relay.kill();
    await upstream.close();
  }
}

async function main(): Promise<void> {
  if (!process.env.BENCH_NO_BUILD) {
    const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { cwd: ROOT, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('server build failed');
  }
  if (process.env.BENCH_BASELINE !== '0') {
    const frames = Math.min(FRAMES, 1000);
    console.log(`baseline without the broker (bare stdio↔WebSocket relay): ${frames} frames each way, one every ${PACE_MS} ms`);
    const lat = await baseline(frames);
    line('line in → upstream frame     ', lat.in);
    line('upstream frame → line out    ', lat.out);
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
    const m = await measure(
      {
        sendIn: (_n, data) =>
          server.write('thread/realtime/appendAudio', { threadId, audio: { data, sampleRate: 24000, numChannels: 1, samplesPerChannel: 480, itemId: null } }),
        sendOut: (_n, data) =>
          upstream.send(0, { type: 'response.output_audio.delta', delta: data, sample_rate: 24000, channels: 1, samples_per_channel: 480, item_id: 'item_bench' }),
      },
      FRAMES,
    );
    server.listeners.push((msg, at) => {
      if (msg.method === 'turn/completed') turnDone = true;
      if (msg.method === 'item/agentMessage/delta') deltasDuringRun += 1;
      if (msg.method === 'thread/realtime/outputAudio/delta') m.arrived('out', frameNumber((msg.params!.audio as { data: string }).data), at);
    });
    upstream.onMessage = (_conn, text, at) => {
      if (text.startsWith('{"type":"input_audio_buffer.append"')) m.arrived('in', frameNumber((JSON.parse(text) as { audio: string }).audio), at);
    };

    console.log(`realtime broker: ${FRAMES} frames each way (+${WARMUP} warm-up) of 20 ms audio, one every ${PACE_MS} ms, delegated turn streaming meanwhile`);
    const lat = await m.run();
    const turnRanThroughout = !turnDone;
    const inS = line('appendAudio → upstream append      ', lat.in);
    const outS = line('upstream delta → outputAudio/delta ', lat.out);
    console.log(`  delegated turn: ${turnRanThroughout ? 'still running at the end' : 'FINISHED EARLY'}, ${deltasDuringRun} agent deltas streamed to the client meanwhile`);
    console.log(`  machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const problems: string[] = [];
    if (lat.in.length < FRAMES || lat.out.length < FRAMES) problems.push(`lost frames: in ${lat.in.length}/${FRAMES}, out ${lat.out.length}/${FRAMES}`);
    if (inS.p99 > TARGET_P99_MS) problems.push(`in p99 ${fmtMs(inS.p99)} ms > ${TARGET_P99_MS} ms`);
    if (outS.p99 > TARGET_P99_MS) problems.push(`out p99 ${fmtMs(outS.p99)} ms > ${TARGET_P99_MS} ms`);
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
