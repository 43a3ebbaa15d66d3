// A session with the real Codex TUI (0.169, in a PTY) against `serve` and against `app-server --listen ws://`:
// a thread made elsewhere first (in the web UI over tRPC, or by another JSON-RPC client); then in the TUI a prompt
// streams the mock's answer and the TUI names the thread from its title turn (an ephemeral thread with the built-in
// tools off and an outputSchema); /rename; `!cmd`; /compact; /review; /new; /resume lists both threads and resumes the other one with its
// history; after quitting and starting the TUI again the picker still lists them. A recording relay between the TUI
// and the server lists every request the TUI made; none may be an unknown method.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer, type RecordedRequest } from '../../testkit/mock-responses-server';
import { sse, type Reply } from '../../testkit/responses-sse';
import { startThread, startTrpcServe, startTurn } from '../support/trpc-ws';
import { COMPOSER, quitTui, slashCommand, sleep, spawnTui, squash, STEP_MS, within, type Tui } from '../support/tui';
import { startWsServer } from '../support/ws-client';
import { startWsRelay, summarizeCalls } from '../support/ws-relay';

const OTHER_PROMPT = 'Question asked in the web UI';
const OTHER_ANSWER = 'Answer given in the web UI';
const TUI_PROMPT = 'Please greet the terminal';
const TUI_ANSWER = 'Greetings from the mock model';
const GENERATED_TITLE = 'Greet the terminal';
const RENAMED = 'Renamed in the TUI';
const REVIEW_FINDING = 'Consider a comment here';

function lastUserText(req: RecordedRequest): string {
  const input = (req.body?.input ?? []) as { type: string; role?: string; content?: { text?: string }[] }[];
  const last = input.filter((i) => i.type === 'message' && i.role === 'user').at(-1);
  return (last?.content ?? []).map((c) => c.text ?? '').join('');
}

/** The mock model: the TUI's title turn (a request with an output schema) gets a title, every other request its answer. */
function scriptedModel(req: RecordedRequest): Reply {
  if (req.body?.text) return sse.message(JSON.stringify({ title: GENERATED_TITLE }));
  const text = lastUserText(req);
  if (text.startsWith('You are compacting')) return sse.message('Summary: the user asked for a greeting.');
  if (String(req.body?.instructions ?? '').startsWith('You are reviewing')) {
    return sse.message(JSON.stringify({ findings: [{ title: REVIEW_FINDING, body: 'Explain why.', priority: 2 }], overall_correctness: 'patch is correct', overall_explanation: 'Looks fine.' }));
  }
  if (text.includes(OTHER_PROMPT)) return sse.message(OTHER_ANSWER);
  if (text.includes(TUI_PROMPT)) return sse.message(TUI_ANSWER, { deltas: 3 });
  return sse.message('(unexpected request)');
}

function scriptModel(mock: MockResponsesServer): void {
  for (let i = 0; i < 20; i++) mock.enqueue(scriptedModel);
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs = STEP_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Sends a prompt from the composer; a second Enter if the first one only closed a popup. */
async function prompt(tui: Tui, mock: MockResponsesServer, text: string): Promise<number> {
  const at = tui.offset;
  const before = mock.requests.length;
  tui.write(text);
  await tui.waitForText(text, STEP_MS, at);
  await sleep(300);
  tui.write('\r');
  const sent = mock.waitForRequests(before + 1, STEP_MS).then(() => true, () => false);
  if ((await within(sent, 2000)) === null) tui.write('\r');
  assert.ok(await sent, `the prompt never reached the mock model${tui.tail()}`);
  return at;
}

async function session(t: TestContext, target: { url: string; token: string | null; mock: MockResponsesServer; cwd: string }): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-session-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // Every request the TUI sends, and what it gets back, through a recording relay.
  const relay = await startWsRelay(target.url);
  t.after(() => relay.close());
  const open = async () => {
    const tui = await spawnTui({ url: relay.url, token: target.token, codexHome: root, cwd: target.cwd });
    t.after(() => tui.kill());
    await tui.waitForText(COMPOSER);
    return tui;
  };

  const tui = await open();
  const typedAt = await prompt(tui, target.mock, TUI_PROMPT);
  await tui.waitForText(TUI_ANSWER, STEP_MS, typedAt);
  await tui.waitForText('Worked for', STEP_MS, typedAt);
  // The title turn: an ephemeral thread with no tools and an output schema; its answer names the thread.
  await waitUntil('the title request', () => target.mock.requests.some((r) => r.body?.text !== undefined));
  const titleRequest = target.mock.requests.find((r) => r.body?.text !== undefined)!;
  assert.deepEqual(titleRequest.body?.tools, [], 'the title thread offers no tools');
  await tui.waitForText(GENERATED_TITLE, STEP_MS, typedAt);

  // /rename
  const renameAt = await slashCommand(tui, '/rename');
  // A named thread opens "Rename thread" with a suggestion (another title turn) in the field: clear it, type ours.
  await tui.waitForText('Rename thread', STEP_MS, renameAt);
  // ("Suggested from this conversation"; the TUI redraws only changed cells, so match a word of it.)
  await tui.waitForText('conversation', STEP_MS, renameAt);
  await sleep(300);
  tui.write('');
  await sleep(200);
  tui.write(RENAMED);
  await sleep(200);
  tui.write('\r');
  await tui.waitForText(RENAMED, STEP_MS, renameAt);

  // `!cmd`: the user's own command (thread/shellCommand), its output cell.
  const bangAt = tui.offset;
  tui.write('!echo bang-$((6*7))');
  await sleep(300);
  tui.write('\r');
  await tui.waitForText('bang-42', STEP_MS, bangAt);

  // An `@` mention: the popup searches files and threads (thread/search) as you type; Escape leaves it.
  const mentionAt = tui.offset;
  tui.write('@READ');
  await tui.waitForText('@READ', STEP_MS, mentionAt);
  await sleep(1500);
  tui.write('\x1b');
  await sleep(200);
  tui.write('\x15');
  await sleep(200);

  // /compact: the thread's history summarized through the model (thread/compact/start).
  const compactAt = await slashCommand(tui, '/compact');
  await tui.waitForText('compacted', STEP_MS, compactAt);
  await waitUntil('the compaction request', () => target.mock.requests.some((r) => lastUserText(r).startsWith('You are compacting')));

  // /review → "Review uncommitted changes" (review/start): the review's start and end banners.
  const reviewAt = await slashCommand(tui, '/review');
  await tui.waitForText('uncommitted', STEP_MS, reviewAt);
  tui.write('2');
  await sleep(200);
  tui.write('\r');
  await tui.waitForText('Code review started', STEP_MS, reviewAt);
  await tui.waitForText('Code review finished', STEP_MS, reviewAt);
  await tui.waitForText(REVIEW_FINDING, STEP_MS, reviewAt);

  // /new: an empty session (and no empty row left behind in the lists).
  const newAt = await slashCommand(tui, '/new');
  await tui.waitForText(COMPOSER, STEP_MS, newAt);

  // /resume lists both threads, the other one included; choosing it shows its history.
  const resumeAt = await slashCommand(tui, '/resume');
  await tui.waitForText('Resume a previous session', STEP_MS, resumeAt);
  await tui.waitForText(RENAMED, STEP_MS, resumeAt);
  await tui.waitForText(OTHER_PROMPT, STEP_MS, resumeAt);
  const listed = squash(tui.screen.slice(-4000));
  assert.ok(!listed.includes(squash('(no message yet)')), `no empty thread is listed${tui.tail()}`);
  const searchAt = tui.offset;
  tui.write('web UI');
  await sleep(500);
  await tui.waitForText(OTHER_PROMPT, STEP_MS, searchAt);
  tui.write('\r');
  await tui.waitForText(OTHER_ANSWER, STEP_MS, searchAt);
  await quitTui(tui);

  // Start again: the picker still lists both.
  const again = await open();
  const pickerAt = await slashCommand(again, '/resume');
  await again.waitForText(RENAMED, STEP_MS, pickerAt);
  await again.waitForText(OTHER_PROMPT, STEP_MS, pickerAt);
  again.write('\x1b');
  await sleep(300);
  await quitTui(again);

  // Nothing the TUI asked for in all this was an unknown method.
  const calls = relay.calls();
  t.diagnostic(`the TUI's requests and our answers: ${summarizeCalls(calls).join(' | ')}`);
  assert.ok(calls.length > 20, 'the relay saw the TUI\'s requests');
  const unknown = calls.filter((c) => c.errorCode === -32601);
  assert.deepEqual(unknown, [], `methods the TUI called that we do not implement: ${unknown.map((c) => c.method).join(', ')}`);
  for (const m of ['thread/compact/start', 'thread/shellCommand', 'review/start', 'thread/name/set', 'thread/list', 'thread/resume', 'model/list']) {
    assert.ok(calls.some((c) => c.method === m && c.errorCode === null), `${m} was called and answered`);
  }
}

test('a TUI session against serve: a web-UI thread in /resume, a generated title, /rename, /new, and again after a restart', { timeout: 240_000 }, async (t) => {
  const serve = await startTrpcServe(t);
  scriptModel(serve.mock);
  // The thread a person made in the web UI (the browser's tRPC calls).
  const threadId = await startThread(serve);
  await startTurn(serve, threadId, OTHER_PROMPT);
  await serve.mock.waitForRequests(1);
  await session(t, { url: `ws://127.0.0.1:${serve.port}`, token: serve.token, mock: serve.mock, cwd: serve.work });
  assert.equal(serve.server.running, true, serve.server.stderrTail());
});

test('a TUI session against app-server --listen ws://: a thread from another client in /resume, /rename, /new, and again after a restart', { timeout: 240_000 }, async (t) => {
  const mock = await startMockResponsesServer();
  scriptModel(mock);
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-as-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-as-work-'));
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url }));
  const ws = await startWsServer({ home, cwd: work });
  t.after(async () => {
    await ws.server.kill();
    await mock.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  const other = await ws.connect();
  await other.initialize();
  const { thread } = await other.request<{ thread: { id: string } }>('thread/start', { cwd: work });
  const { turn } = await other.request<{ turn: { id: string } }>('turn/start', { threadId: thread.id, input: [{ type: 'text', text: OTHER_PROMPT }] });
  await other.readUntilNotification<{ turn: { id: string } }>('turn/completed', (p) => p.turn.id === turn.id);
  other.close();
  await session(t, { url: ws.url, token: null, mock, cwd: work });
  assert.equal(ws.server.running, true, ws.server.stderrTail());
});
