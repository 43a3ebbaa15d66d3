/**
 * `npm run bench:voice` — voice in the browser (issue 11, "Measure"), on loopback:
 *   1. Start voice → connected: from the click to the status reading "connected", which the call UI shows only
 *      once the peer is connected (ICE + DTLS) and the first remote audio packet arrived. 20 calls, p50/p90;
 *      each call's offer goes through our real server to the calls endpoint of a real WebRTC peer (werift,
 *      testkit/webrtc-upstream.ts) and back, then End voice.
 *   2. The relay's added latency during a call while a delegated turn streams (one delta every 60 ms):
 *      upstream → browser: a sideband event sent by the fake upstream → its tRPC WebSocket frame arriving in the
 *      page (server parse, map, event ring, tRPC, browser socket); browser → upstream: a `realtime.truncate`
 *      mutation leaving the page → its `conversation.item.truncate` frame arriving at the fake sideband.
 *      Both ends use the machine's clock (performance.timeOrigin + now()). The call's audio itself is RTP
 *      between the browser and the upstream peer: the server is not on the audio path, so it adds nothing there.
 * Targets: connected p50 ≤ 300 ms; relay p99 ≤ 5 ms. Prints figures; a benchmark, not a test.
 *
 * The npm script builds first when sources are newer (scripts/ensure-build.mjs).
 * Env: BENCH_CALLS (20), BENCH_EVENTS (500 each way), CHROMIUM_PATH (/usr/bin/chromium).
 */
import { chromium, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { mockProviderConfig } from '../testkit/mock-provider-config';
import { startMockResponsesServer } from '../testkit/mock-responses-server';
import { out, sse } from '../testkit/responses-sse';
import { startWebrtcUpstream } from '../testkit/webrtc-upstream';
import { fmtMs, percentile } from './lib/stats';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = Number(process.env.BENCH_CALLS ?? 20);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 500);
const PACE_MS = 20;
const now = (): number => performance.timeOrigin + performance.now();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server not ready after 60 s');
}

/** In the page before any script: keep the peers, and timestamp every tRPC frame that carries a bench marker. */
const PROBE = `(() => {
  const Native = window.RTCPeerConnection;
  window.__peers = [];
  window.RTCPeerConnection = class extends Native { constructor(c) { super(c); window.__peers.push(this); } };
  window.__marks = {};
  const NativeWs = window.WebSocket;
  window.WebSocket = class extends NativeWs {
    constructor(...a) {
      super(...a);
      this.addEventListener('message', (e) => {
        const at = performance.timeOrigin + performance.now();
        if (typeof e.data !== 'string' || !e.data.includes('bench#')) return;
        for (const m of e.data.matchAll(/bench#(\\d+)#/g)) window.__marks[m[1]] ??= at;
      });
    }
  };
})();`;

/** Clicks Start voice and resolves with the ms until the status reads "connected" (measured in the page). */
const START_CALL = `new Promise((resolve, reject) => {
  const button = [...document.querySelectorAll('button')].find((b) => b.textContent === 'Start voice');
  if (!button) return reject(new Error('no Start voice button'));
  const t0 = performance.now();
  const obs = new MutationObserver(() => {
    const s = document.querySelector('[data-testid="voice-status"]');
    if (s && s.textContent === 'connected') {
      obs.disconnect();
      const end = performance.now();
      const phases = {};
      for (const m of performance.getEntriesByType('mark')) if (m.name.startsWith('voice:') && m.startTime >= t0) phases[m.name.slice(6)] = m.startTime - t0;
      performance.clearMarks();
      resolve({ ms: end - t0, phases });
    }
    else if (s && s.textContent === 'error') { obs.disconnect(); reject(new Error(document.querySelector('.voice-panel [role="alert"]')?.textContent ?? 'call failed')); }
  });
  obs.observe(document.body, { subtree: true, childList: true, characterData: true });
  button.click();
})`;

// Strings, not functions: tsx would wrap named helpers in __name(), which the page does not have.
const startCall = (page: Page): Promise<{ ms: number; phases: Record<string, number> }> => page.evaluate(START_CALL) as Promise<{ ms: number; phases: Record<string, number> }>;

const TRUNCATE = (threadId: string, n: number) => `(() => {
  const t = performance.timeOrigin + performance.now();
  void fetch('/api/trpc/realtime.truncate', { method: 'POST', headers: { 'content-type': 'application/json', 'x-codex-web': '1' },
    body: JSON.stringify({ threadId: ${JSON.stringify(threadId)}, itemId: 'bench_${n}', audioEndMs: 1 }) });
  return t;
})()`;

async function main(): Promise<void> {
  // The delegated turn streams for the whole relay measurement.
  const mock = await startMockResponsesServer({
    fallback: () => sse.slow(sse.response([out.message('word '.repeat(400).trim(), { deltas: 400 })]), 60),
  });
  const upstream = await startWebrtcUpstream({ forwardTo: mock.origin });
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-bench-voice-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-bench-voice-work-'));
  writeFileSync(
    path.join(home, 'config.toml'),
    mockProviderConfig({
      baseUrl: upstream.url,
      extra: `experimental_realtime_ws_base_url = "${upstream.wsUrl}"\nexperimental_realtime_ws_startup_context = ""\n\n[features]\nrealtime_conversation = true\n`,
    }),
  );
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [path.join(ROOT, 'dist/codex-web.mjs'), 'serve', '--home', home, '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: work,
    env: { ...process.env, CODEX_WEB_LOG: 'silent' },
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
  try {
    await waitReady(origin, server);
    const token = readFileSync(path.join(home, 'codex-web-access-token'), 'utf8').trim();
    const headers = { Authorization: `Bearer ${token}`, Origin: origin, 'x-codex-web': '1', 'content-type': 'application/json' };
    const started = (await (await fetch(`${origin}/api/trpc/thread.start`, { method: 'POST', headers, body: '{}' })).json()) as { result: { data: { id: string } } };
    const threadId = started.result.data.id;
    const context = await browser.newContext();
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    await page.goto(`${origin}/?token=${token}`);
    await page.goto(`${origin}/t/${threadId}`);
    await page.getByTestId('connection').getByText('Live').waitFor();

    // 1. Start voice → connected, CALLS times (plus one warm-up call, not counted).
    const connectMs: number[] = [];
    const phases: Record<string, number[]> = {};
    for (let i = 0; i <= CALLS; i += 1) {
      const r = await startCall(page);
      if (i > 0) {
        connectMs.push(r.ms);
        for (const [k, v] of Object.entries(r.phases)) (phases[k] ??= []).push(v);
      }
      await page.getByRole('button', { name: 'End voice' }).click();
      await page.getByTestId('voice-status').getByText('ended').waitFor();
    }

    // 2. Relay latency while a delegated turn streams.
    await startCall(page);
    const call = upstream.calls.at(-1)!;
    for (let i = 0; i < 100 && call.sidebandState !== 'open'; i += 1) await new Promise((r) => setTimeout(r, 20));
    upstream.sendSideband(call.callId, {
      type: 'conversation.item.done',
      item: { id: 'item_bench', type: 'function_call', name: 'background_agent', call_id: 'call_bench', arguments: JSON.stringify({ prompt: 'stream for a while' }) },
    });
    await page.getByTestId('turn').first().waitFor();
    await new Promise((r) => setTimeout(r, 500));
    const upstreamSent = new Map<number, number>();
    const truncateArrived = new Map<number, number>();
    upstream.onSideband = (_id, frame, at) => {
      const m = /^bench_(\d+)$/.exec(String(frame.item_id ?? ''));
      if (frame.type === 'conversation.item.truncate' && m) truncateArrived.set(Number(m[1]), performance.timeOrigin + at);
    };
    const browserSent = new Map<number, number>();
    for (let i = 0; i < EVENTS; i += 1) {
      upstreamSent.set(i, now());
      upstream.sendSideband(call.callId, { type: 'response.output_audio_transcript.delta', item_id: 'item_bench_a', delta: `bench#${i}# ` });
      const at = (await page.evaluate(TRUNCATE(threadId, i))) as number;
      browserSent.set(i, at);
      await new Promise((r) => setTimeout(r, PACE_MS));
    }
    await new Promise((r) => setTimeout(r, 500));
    const marks = (await page.evaluate('window.__marks')) as Record<string, number>;
    const down: number[] = [];
    const up: number[] = [];
    for (let i = 0; i < EVENTS; i += 1) {
      const seen = marks[String(i)];
      if (seen !== undefined) down.push(seen - upstreamSent.get(i)!);
      const arrived = truncateArrived.get(i);
      if (arrived !== undefined) up.push(arrived - browserSent.get(i)!);
    }
    const turnStillStreaming = await page.getByTestId('turn-status').first().textContent();

    const p = (xs: number[], q: number) => fmtMs(percentile(xs, q));
    console.log(`bench:voice — loopback, Chromium ${browser.version()}, werift peer, ${os.cpus().length} cores`);
    console.log(`Start voice → connected (ICE + DTLS connected, first remote audio), ${connectMs.length} calls:`);
    console.log(`  p50 ${p(connectMs, 50)} ms   p90 ${p(connectMs, 90)} ms   max ${p(connectMs, 100)} ms   (target p50 ≤ 300 ms: ${percentile(connectMs, 50) <= 300 ? 'PASS' : 'FAIL'})`);
    console.log(`  phases (p50, ms from the click): ${Object.entries(phases).sort((a, b) => percentile(a[1], 50) - percentile(b[1], 50)).map(([k, v]) => `${k} ${p(v, 50)}`).join(' · ')}`);
    console.log(`Relay during a streaming delegated turn (turn status at the end: ${turnStillStreaming}), ${EVENTS} events each way every ${PACE_MS} ms:`);
    console.log(`  upstream → browser (sideband event → tRPC frame in the page): n=${down.length} p50 ${p(down, 50)} ms  p90 ${p(down, 90)} ms  p99 ${p(down, 99)} ms`);
    console.log(`  browser → upstream (realtime.truncate mutation → sideband frame): n=${up.length} p50 ${p(up, 50)} ms  p90 ${p(up, 90)} ms  p99 ${p(up, 99)} ms`);
    console.log(`  (target relay p99 ≤ 5 ms: ${percentile(down, 99) <= 5 && percentile(up, 99) <= 5 ? 'PASS' : 'FAIL'}; audio RTP does not pass through the server)`);
    await page.getByRole('button', { name: 'End voice' }).click();
  } finally {
    await browser.close();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await upstream.close();
    await mock.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
