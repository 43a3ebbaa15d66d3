// The real Codex TUI (the pinned reference, scripts/ensure-reference.mjs) in a pseudo-terminal, connected with
// `codex --remote ws://…` to `app-server --listen ws://` and to `serve` (the upgrade on `/`, with the access
// token from --remote-auth-token-env): it reaches its composer, sends a prompt, shows the mock model's answer,
// and quits.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { IPty } from '@lydell/node-pty';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer } from '../../testkit/mock-responses-server';
import { sse } from '../../testkit/responses-sse';
import { startServe } from '../support/serve-process';
import { startWsServer } from '../support/ws-client';

type PtyModule = typeof import('@lydell/node-pty');
interface ReferencePaths {
  dir: string;
  codex: string;
}

const STEP_MS = 30_000;
const COMPOSER = 'Ask Codex to do anything';
const PROMPT = 'Say the magic words please';
const ANSWER = 'Abracadabra from the mock model';

/** The reference's install folder, worked out by the same function the test runner uses. */
async function referencePaths(): Promise<ReferencePaths> {
  const script = new URL('../../scripts/ensure-reference.mjs', import.meta.url).href;
  const mod = (await import(script)) as { referencePaths: () => ReferencePaths };
  return mod.referencePaths();
}

/** The TUI binary; fails (never skips) when it is not installed. */
async function tuiBinary(): Promise<string> {
  const { codex } = await referencePaths();
  assert.ok(existsSync(codex), `the Codex TUI is missing at ${codex}: run \`node scripts/ensure-reference.mjs\` (scripts/run-tests.mjs does it before the integration suites)`);
  return codex;
}

function loadPty(): PtyModule {
  return createRequire(import.meta.url)('@lydell/node-pty') as PtyModule;
}

/* eslint-disable no-control-regex -- terminal output is matched by its control characters */
/** CSI / OSC / other escape sequences out, so the screen reads as text. Cursor moves become a space. */
function stripAnsi(s: string): string {
  return s
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '') // OSC
    .replace(/\x1b\[[0-9;?<>=!]*[ -/]*[@-~]/g, ' ') // CSI
    .replace(/\x1b[PX^_][^\x1b]*\x1b\\/g, '') // DCS, SOS, PM, APC
    .replace(/\x1b[()*+][0-9A-Za-z]/g, '') // charset
    .replace(/\x1b[@-Z\\-_=>78]/g, '') // other two-byte escapes
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => (c === '\r' ? '\n' : ''));
}
/* eslint-enable no-control-regex */

/** Whitespace out: a line the TUI redraws piecewise (cursor moves, wraps) still reads as its characters. */
const squash = (s: string): string => s.replace(/\s+/g, '');

class Tui {
  readonly term: IPty;
  private raw = '';
  private waiters: (() => void)[] = [];
  exit: { exitCode: number; signal?: number } | null = null;
  readonly exited: Promise<{ exitCode: number; signal?: number }>;

  constructor(pty: PtyModule, file: string, args: string[], opts: { cwd: string; env: Record<string, string> }) {
    this.term = pty.spawn(file, args, { name: 'xterm-256color', cols: 120, rows: 35, cwd: opts.cwd, env: opts.env });
    this.term.onData((d) => {
      this.raw += d;
      // Answer the terminal queries the TUI sends at startup (cursor position, device attributes),
      // as a real terminal would; it waits for some of them.
      if (d.includes('\x1b[6n')) this.term.write('\x1b[1;1R');
      if (d.includes('\x1b[c') || d.includes('\x1b[0c')) this.term.write('\x1b[?62;22c');
      this.wake();
    });
    this.exited = new Promise((resolve) =>
      this.term.onExit((e) => {
        this.exit = e;
        this.wake();
        resolve(e);
      }),
    );
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Everything the TUI printed so far, ANSI stripped. */
  get screen(): string {
    return stripAnsi(this.raw);
  }

  tail(): string {
    return `\n--- last 2000 chars of the screen ---\n${this.screen.slice(-2000)}\n---`;
  }

  /** Waits until `cond` holds on the whitespace-free screen text printed since `from` (a raw offset). */
  async waitFor(what: string, cond: (text: string) => boolean, timeoutMs = STEP_MS, from = 0): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond(squash(stripAnsi(this.raw.slice(from))))) {
      if (this.exit) assert.fail(`the TUI exited (${JSON.stringify(this.exit)}) while waiting for ${what}${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}${this.tail()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForText(text: string, timeoutMs = STEP_MS, from = 0): Promise<void> {
    return this.waitFor(JSON.stringify(text), (s) => s.includes(squash(text)), timeoutMs, from);
  }

  get offset(): number {
    return this.raw.length;
  }

  write(data: string): void {
    this.term.write(data);
  }

  kill(): void {
    if (this.exit) return;
    try {
      this.term.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`'s value, or null after `ms` (the timer is cleared either way, so nothing keeps the test alive). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

interface Setup {
  mock: MockResponsesServer;
  home: string;
  workspace: string;
  codexHome: string;
}

async function setup(t: TestContext): Promise<Setup> {
  const mock = await startMockResponsesServer({ fallback: sse.message('(unexpected extra request)') });
  mock.enqueue(sse.message(ANSWER, { deltas: 3 }));
  const root = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-'));
  const home = path.join(root, 'home');
  const workspace = path.join(root, 'workspace');
  const codexHome = path.join(root, 'codex-home');
  for (const d of [home, workspace, codexHome]) mkdirSync(d);
  writeFileSync(path.join(workspace, 'README.md'), '# TUI test workspace\n');
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url }));
  t.after(async () => {
    await mock.close();
    rmSync(root, { recursive: true, force: true });
  });
  return { mock, home, workspace, codexHome };
}

/** Runs the TUI against `url` and drives one turn: composer, prompt, answer, quit. */
async function driveTui(t: TestContext, s: Setup, url: string, token?: string): Promise<Tui> {
  const codex = await tuiBinary();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.CODEX_WEB_TOKEN;
  delete env.OPENAI_API_KEY;
  Object.assign(env, { CODEX_HOME: s.codexHome, TERM: 'xterm-256color', COLORTERM: 'truecolor', NO_COLOR: '', LANG: 'C.UTF-8' });
  const args = ['--remote', url];
  if (token !== undefined) {
    env.CODEX_WEB_TOKEN = token;
    args.push('--remote-auth-token-env', 'CODEX_WEB_TOKEN');
  }
  const tui = new Tui(loadPty(), codex, args, { cwd: s.workspace, env });
  t.after(() => tui.kill());

  await tui.waitForText(COMPOSER);
  const typedAt = tui.offset;
  tui.write(PROMPT);
  await tui.waitForText(PROMPT, STEP_MS, typedAt);
  await sleep(300); // a popup opened by the typing may take the first Enter
  tui.write('\r');
  // Enter once more if the prompt is still only in the composer (no request reached the mock) after 2 s.
  const sent = s.mock.waitForRequests(1, STEP_MS).then(() => true, () => false);
  if ((await within(sent, 2000)) === null) tui.write('\r');
  assert.ok(await sent, `the prompt never reached the mock model${tui.tail()}`);

  await tui.waitForText(ANSWER, STEP_MS, typedAt);
  const body = JSON.stringify(s.mock.requests[0]!.body);
  assert.ok(body.includes(PROMPT), `the mock's request carries the prompt: ${body.slice(0, 500)}`);
  // The turn is over (turn/completed) once the TUI prints how long it worked.
  await tui.waitForText('Worked for', STEP_MS, typedAt);

  // Quit: Ctrl-C on an empty composer arms the quit, a second one exits; else /quit.
  tui.write('\x03');
  await sleep(300);
  tui.write('\x03');
  let status = await within(tui.exited, 5000);
  if (status === null) {
    tui.write('/quit');
    await sleep(300);
    tui.write('\r');
    status = await within(tui.exited, STEP_MS);
  }
  assert.ok(status !== null, `the TUI did not exit after Ctrl-C twice and /quit${tui.tail()}`);
  return tui;
}

test('the Codex TUI binary is installed', async () => {
  await tuiBinary();
});

test('the Codex TUI runs a turn against app-server --listen ws://', { timeout: 180_000 }, async (t) => {
  const s = await setup(t);
  const ws = await startWsServer({ home: s.home, cwd: s.workspace });
  t.after(() => ws.server.kill());
  const tui = await driveTui(t, s, ws.url);
  assert.ok(squash(tui.screen).includes(squash(ANSWER)), tui.tail());
  assert.equal(ws.server.running, true, ws.server.stderrTail());
});

test('the Codex TUI runs a turn against serve (upgrade on /, Bearer from --remote-auth-token-env)', { timeout: 180_000 }, async (t) => {
  const s = await setup(t);
  const serve = await startServe(t, s.home, { cwd: s.workspace });
  const token = readFileSync(path.join(s.home, 'codex-web-access-token'), 'utf8').trim();
  assert.equal(token, serve.token);
  const tui = await driveTui(t, s, `ws://127.0.0.1:${serve.port}`, token);
  assert.ok(squash(tui.screen).includes(squash(ANSWER)), tui.tail());
  assert.equal(serve.server.running, true, serve.server.stderrTail());
});
