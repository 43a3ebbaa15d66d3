// The real Codex TUI (the pinned reference, scripts/ensure-reference.mjs) in a pseudo-terminal, connected with
// `codex --remote ws://…` to `app-server --listen ws://` and to `serve` (the upgrade on `/`, with the access
// token from --remote-auth-token-env): it reaches its composer, sends a prompt, shows the mock model's answer,
// and quits.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer } from '../../testkit/mock-responses-server';
import { sse } from '../../testkit/responses-sse';
import { startServe } from '../support/serve-process';
import { startWsServer } from '../support/ws-client';
import { COMPOSER, loadPty, sleep, squash, STEP_MS, Tui, tuiBinary, within } from '../support/tui';

const PROMPT = 'Say the magic words please';
const ANSWER = 'Abracadabra from the mock model';

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
