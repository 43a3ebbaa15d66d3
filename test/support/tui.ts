// The real Codex TUI (the pinned reference, scripts/ensure-reference.mjs) in a pseudo-terminal, for the tests that
// drive it against our servers: the screen as text, waiting for what it prints, typing into it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { TestContext } from 'node:test';
import type { IPty } from '@lydell/node-pty';

export type PtyModule = typeof import('@lydell/node-pty');
interface ReferencePaths {
  dir: string;
  codex: string;
}

export const STEP_MS = 30_000;
export const COMPOSER = 'Ask Codex to do anything';

/** The reference's install folder, worked out by the same function the test runner uses. */
export async function referencePaths(): Promise<ReferencePaths> {
  const script = new URL('../../scripts/ensure-reference.mjs', import.meta.url).href;
  const mod = (await import(script)) as { referencePaths: () => ReferencePaths };
  return mod.referencePaths();
}

/** The TUI binary; fails (never skips) when it is not installed. */
export async function tuiBinary(): Promise<string> {
  const { codex } = await referencePaths();
  assert.ok(existsSync(codex), `the Codex TUI is missing at ${codex}: run \`node scripts/ensure-reference.mjs\` (scripts/run-tests.mjs does it before the integration suites)`);
  return codex;
}

export function loadPty(): PtyModule {
  return createRequire(import.meta.url)('@lydell/node-pty') as PtyModule;
}

/* eslint-disable no-control-regex -- terminal output is matched by its control characters */
/** CSI / OSC / other escape sequences out, so the screen reads as text. Cursor moves become a space. */
export function stripAnsi(s: string): string {
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
export const squash = (s: string): string => s.replace(/\s+/g, '');

export class Tui {
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `promise`'s value, or null after `ms` (the timer is cleared either way, so nothing keeps the test alive). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<null>((r) => (timer = setTimeout(() => r(null), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** The TUI connected with `--remote url` (and the token through --remote-auth-token-env), in its own CODEX_HOME. */
export async function spawnTui(opts: { url: string; token?: string | null; codexHome: string; cwd: string }): Promise<Tui> {
  const codex = await tuiBinary();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  delete env.CODEX_WEB_TOKEN;
  delete env.OPENAI_API_KEY;
  Object.assign(env, { CODEX_HOME: opts.codexHome, TERM: 'xterm-256color', COLORTERM: 'truecolor', NO_COLOR: '', LANG: 'C.UTF-8' });
  const args = ['--remote', opts.url];
  if (opts.token) {
    env.CODEX_WEB_TOKEN = opts.token;
    args.push('--remote-auth-token-env', 'CODEX_WEB_TOKEN');
  }
  return new Tui(loadPty(), codex, args, { cwd: opts.cwd, env });
}

/** spawnTui, killed when the test ends. */
export async function launchTui(t: TestContext, opts: { url: string; cwd: string; codexHome: string; token?: string }): Promise<Tui> {
  const tui = await spawnTui(opts);
  t.after(() => tui.kill());
  return tui;
}

/** Types a slash command and runs it (the popup that opens while typing takes a moment to settle). */
export async function slashCommand(tui: Tui, command: string): Promise<number> {
  const at = tui.offset;
  tui.write(command);
  await tui.waitForText(command, STEP_MS, at);
  await sleep(300);
  tui.write('\r');
  return at;
}

/** Ctrl-C twice on an empty composer quits; else /quit. Resolves once the TUI has exited. */
export async function quitTui(tui: Tui): Promise<void> {
  tui.write('\x03');
  await sleep(300);
  tui.write('\x03');
  let status = await within(tui.exited, 5000);
  if (status === null) {
    await slashCommand(tui, '/quit');
    status = await within(tui.exited, STEP_MS);
  }
  assert.ok(status !== null, `the TUI did not exit after Ctrl-C twice and /quit${tui.tail()}`);
}
