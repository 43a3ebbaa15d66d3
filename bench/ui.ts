/**
 * `npm run bench:ui` — the web app in Chromium against the real built server (issue 5, "Measure"):
 *   1. navigation → the sidebar showing 50 threads, with 100,000 threads in the DB;
 *   2. typing a search term → the filtered list painted (includes the sidebar's 80 ms debounce);
 *   3. the JS shipped for the thread route (the files the page loads, from `next build` output);
 *   4. frame rate while a 5,000-delta answer streams into the thread view.
 * The DB is seeded directly (bench/lib/seed.ts); the model is the e2e mock (e2e/fixtures/mock-provider.ts).
 *
 * Env: BENCH_THREADS (default 100000), BENCH_RUNS (default 7), BENCH_DELTAS (default 5000),
 * CHROMIUM_PATH (default /usr/bin/chromium). This is a benchmark, not a test: never run it in CI.
 */
import { chromium, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { e2eReply } from '../e2e/fixtures/mock-provider';
import { mockProviderConfig } from '../testkit/mock-provider-config';
import { startMockResponsesServer } from '../testkit/mock-responses-server';
import { COMMON_TERM, makeDataset, NO_MATCH_TERM, RARE_TERM } from './lib/dataset';
import { seedCodexWeb } from './lib/seed';
import { fmtMs, summarize } from './lib/stats';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const THREADS = Number(process.env.BENCH_THREADS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const DELTAS = Number(process.env.BENCH_DELTAS ?? 5000);

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
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server not ready after 60 s');
}

/** Records, from the very start of each document, when the sidebar first shows 50 rows (after a frame). */
const ROWS_PROBE = `(() => {
  const check = () => {
    if (window.__rows50 || document.querySelectorAll('[data-testid="thread-row"]').length < 50) return;
    window.__rows50 = -1;
    requestAnimationFrame(() => setTimeout(() => { window.__rows50 = performance.now(); }, 0));
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
})();`;

async function navigationTo50(page: Page, origin: string): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    await page.goto(`${origin}/`, { waitUntil: 'commit' });
    // A function, not a string: the app's CSP has no 'unsafe-eval', and Playwright evals a string predicate.
    await page.waitForFunction(() => ((window as unknown as { __rows50?: number }).__rows50 ?? 0) > 0, null, { timeout: 30_000 });
    const t = (await page.evaluate('window.__rows50')) as number;
    if (i > 0) samples.push(t); // the first load warms Next's and SQLite's caches
  }
  return samples;
}

/** Fills the search box once (like a paste) and waits, in the page, for the filtered list to paint. */
async function searchOnce(page: Page, term: string): Promise<{ total: number; request: number }> {
  const box = page.getByLabel('Search threads', { exact: true });
  // A fresh page each time: the query cache must not answer a repeated term.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="thread-row"]').length >= 50 && document.querySelector('[aria-label="Thread list"]')?.getAttribute('aria-busy') === 'false');
  await page.waitForTimeout(100);
  await page.evaluate('performance.clearResourceTimings()');
  // In-page code is a string: tsx would otherwise wrap its inner functions in a helper the page lacks.
  const done = page.evaluate(`new Promise((resolve) => {
    const term = ${JSON.stringify(term)};
    const input = document.querySelector('input[type="search"]');
    let t0 = 0;
    input.addEventListener('input', () => { t0 = performance.now(); }, { once: true, capture: true });
    setTimeout(() => resolve({ total: NaN, request: NaN, stuck: [...document.querySelectorAll('[data-testid="thread-row"] .thread-title')].map((r) => r.textContent).filter((x) => !x.includes(term)).slice(0, 3).join(' | ') + '; t0=' + t0 }), 10000);
    function matches() {
      const rows = [...document.querySelectorAll('[data-testid="thread-row"] .thread-title')];
      if (rows.length === 0) return document.body.innerText.includes('No thread title contains');
      return rows.every((r) => r.textContent.includes(term)) && document.querySelectorAll('[data-testid="thread-row"] mark').length > 0;
    }
    // Checked every frame (a rAF loop resolves at most one frame late; a MutationObserver missed React's batched updates).
    function frame() {
      if (!t0 || !matches()) return requestAnimationFrame(frame);
      requestAnimationFrame(() => {
        const req = performance.getEntriesByType('resource').filter((e) => decodeURIComponent(e.name).includes('"searchTerm":' + JSON.stringify(term))).at(-1);
        resolve({ total: performance.now() - t0, request: req ? req.duration : NaN });
      });
    }
    requestAnimationFrame(frame);
  })`) as Promise<{ total: number; request: number }>;
  done.catch(() => {});
  await box.fill(term);
  const r = await done;
  if ('stuck' in r) console.error(`search "${term}" did not settle: ${String((r as { stuck: string }).stuck)}`);
  return r;
}

/** The JS files the thread route loads, with their size on disk and gzipped, from .next/static. */
async function threadRouteJs(page: Page, url: string): Promise<{ files: number; raw: number; gzip: number }> {
  await page.goto(url);
  await page.getByTestId('connection').waitFor();
  const urls = (await page.evaluate(`performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/_next/static/') && n.endsWith('.js'))`)) as string[];
  let raw = 0;
  let gzip = 0;
  for (const u of new Set(urls)) {
    const file = path.join(ROOT, '.next', decodeURIComponent(new URL(u).pathname).replace(/^\/_next\//, ''));
    const body = readFileSync(file);
    raw += statSync(file).size;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  return { files: new Set(urls).size, raw, gzip };
}

/** Streams a DELTAS-delta answer and counts animation frames from its first delta to the turn's end. */
async function streamingFps(page: Page, origin: string): Promise<{ fps: number; worstFrameMs: number; longFrames: number; seconds: number; chars: number }> {
  await page.goto(`${origin}/`);
  await page.getByRole('button', { name: 'New thread' }).click();
  await page.waitForURL(/\/t\//);
  await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor();
  const probe = page.evaluate(`new Promise((resolve) => {
    const frames = [];
    let start = 0;
    function tick(t) {
      const msg = document.querySelector('[data-testid="agent-message"]');
      if (!start && msg && msg.textContent) start = t;
      if (start) frames.push(t);
      const status = document.querySelector('[data-testid="turn-status"]');
      if (start && status && status.textContent === 'Done') return resolve({ frames, start, end: t, chars: msg ? msg.textContent.length : 0 });
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  })`) as Promise<{ frames: number[]; end: number; start: number; chars: number }>;
  probe.catch(() => {});
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(`Stream a long answer [e2e:long ${DELTAS}]`);
  await box.press('Enter');
  const r = await probe;
  const gaps = r.frames.slice(1).map((t, i) => t - r.frames[i]!);
  const seconds = (r.end - r.start) / 1000;
  return { fps: r.frames.length / Math.max(seconds, 0.001), worstFrameMs: Math.max(0, ...gaps), longFrames: gaps.filter((g) => g > 50).length, seconds, chars: r.chars };
}

async function main(): Promise<void> {
  if (!existsSync(path.join(ROOT, 'dist/codex-web.mjs')) || !existsSync(path.join(ROOT, '.next/BUILD_ID'))) throw new Error('run `npm run build` first');
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-bench-ui-'));
  const mock = await startMockResponsesServer({ fallback: e2eReply });
  let server: ChildProcess | null = null;
  process.on('exit', () => server?.kill('SIGTERM'));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const seedStart = Date.now();
    const dataset = makeDataset(THREADS);
    seedCodexWeb(home, dataset.threads);
    console.log(`seeded ${THREADS.toLocaleString('en-US')} threads in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
    writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url, approvalPolicy: 'never', sandbox: 'read-only', name: 'Mock provider for bench' }));
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [path.join(ROOT, 'dist/codex-web.mjs'), 'serve', '--home', home, '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
    await waitReady(origin, server);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(ROWS_PROBE);
    const page = await context.newPage();
    // With access control on, sign in through the login link once (the session cookie serves the rest).
    const tokenFile = path.join(home, 'codex-web-access-token');
    if (existsSync(tokenFile)) await page.goto(`${origin}/?token=${readFileSync(tokenFile, 'utf8').trim()}`);

    const nav = summarize(await navigationTo50(page, origin));
    const search: Record<string, { total: number[]; request: number[] }> = {};
    for (const term of [COMMON_TERM, RARE_TERM, NO_MATCH_TERM]) {
      search[term] = { total: [], request: [] };
      for (let i = 0; i <= RUNS; i++) {
        const r = await searchOnce(page, term);
        if (i === 0) continue;
        search[term].total.push(r.total);
        search[term].request.push(r.request);
      }
    }
    const fps = await streamingFps(page, origin);
    const js = await threadRouteJs(page, page.url());

    const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
    console.log(`\nbench:ui — ${THREADS.toLocaleString('en-US')} threads, Chromium ${browser.version()}, ${RUNS} runs each (p50 / p90 ms)`);
    console.log(`  navigation → sidebar shows 50 threads         ${fmtMs(nav.p50)} / ${fmtMs(nav.p90)}`);
    for (const [term, s] of Object.entries(search)) {
      const total = summarize(s.total);
      const req = summarize(s.request);
      console.log(`  search "${term}" typed → list painted${' '.repeat(Math.max(1, 13 - term.length))}${fmtMs(total.p50)} / ${fmtMs(total.p90)}   (thread.list request ${fmtMs(req.p50)} / ${fmtMs(req.p90)}; 80 ms debounce included)`);
    }
    console.log(`  JS for /t/[threadId]                          ${js.files} files, ${kb(js.raw)} raw, ${kb(js.gzip)} gzipped`);
    console.log(`  ${DELTAS.toLocaleString('en-US')}-delta answer streaming            ${fps.fps.toFixed(1)} fps over ${fps.seconds.toFixed(2)} s; worst frame ${fps.worstFrameMs.toFixed(0)} ms, ${fps.longFrames} frames > 50 ms; ${fps.chars.toLocaleString('en-US')} chars`);
    await context.close();
  } finally {
    await browser.close();
    server?.kill('SIGTERM');
    await mock.close();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
