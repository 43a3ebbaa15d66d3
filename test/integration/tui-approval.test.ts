// Command approvals in the real Codex TUI (the pinned reference, in a PTY) against `app-server --listen ws://`:
// the model asks to run outside the read-only sandbox with a justification; the TUI shows the reason and the
// "don't ask again for commands that start with …" option; choosing it runs the command (its output cell) and the
// next matching command runs without a prompt, while a command outside the prefix asks again and, approved, runs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type RecordedRequest } from '../../testkit/mock-responses-server';
import { sse, type Reply } from '../../testkit/responses-sse';
import { COMPOSER, launchTui, sleep, squash, STEP_MS, within, type Tui } from '../support/tui';
import { startWsServer } from '../support/ws-client';

const APPROVAL = 'Would you like to run the following command?';

/** The TUI also asks the model for a thread title on the first prompt; those requests get a title, the rest the script. */
function isTitleRequest(req: RecordedRequest): boolean {
  return JSON.stringify(req.body?.input ?? '').includes('Generate a concise, single-line task title');
}

/** Types a prompt and presses Enter (once more if the first Enter only closed a popup). */
async function send(tui: Tui, text: string, turnRequests: () => number): Promise<void> {
  const before = turnRequests();
  const at = tui.offset;
  tui.write(text);
  await tui.waitForText(text, STEP_MS, at);
  await sleep(300);
  tui.write('\r');
  const deadline = Date.now() + 2000;
  while (turnRequests() === before && Date.now() < deadline) await sleep(100);
  if (turnRequests() === before) tui.write('\r');
}

/**
 * Presses an approval key once the dialog has settled, and once more if the TUI has not taken it after a few
 * seconds (a key that lands while the dialog is still being laid out can be dropped on a loaded machine); then
 * waits for what the answer shows.
 */
async function answer(tui: Tui, key: string, shows: string, from: number): Promise<void> {
  await sleep(300);
  tui.write(key);
  try {
    await tui.waitForText(shows, 5000, from);
  } catch {
    tui.write(key);
    await tui.waitForText(shows, STEP_MS, from);
  }
}

test('the Codex TUI shows the approval reason and "don\'t ask again"; the granted prefix then runs unasked', { timeout: 240_000 }, async (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'codex-web-tui-approval-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const [home, workspace, codexHome] = ['home', 'workspace', 'codex-home'].map((d) => path.join(root, d)) as [string, string, string];
  for (const d of [home, workspace, codexHome]) mkdirSync(d);
  const [fileA, fileB, dirC] = ['a.txt', 'b.txt', 'c'].map((f) => path.join(workspace, f)) as [string, string, string];
  const escalate = (command: string, justification: string, extra: Record<string, unknown> = {}) => ({
    command,
    workdir: null,
    timeout_ms: 5000,
    sandbox_permissions: 'require_escalated',
    justification,
    ...extra,
  });
  const script: Reply[] = [
    sse.functionCall('shell_command', escalate(`cp -v /etc/hostname ${fileA}`, 'Create the first marker outside the sandbox', { prefix_rule: ['cp', '-v'] }), 'call_a'),
    sse.functionCall('shell_command', escalate(`cp -v /etc/hostname ${fileB}`, 'Create the second marker'), 'call_b'),
    sse.message('Both markers are there'),
    sse.functionCall('shell_command', escalate(`mkdir -v ${dirC}`, 'Make a directory outside the sandbox'), 'call_c'),
    sse.message('The directory is there too'),
  ];
  const mock = await startMockResponsesServer({
    fallback: (req) => (isTitleRequest(req) ? sse.message('Make markers') : (script.shift() ?? sse.message('(unexpected extra request)'))),
  });
  t.after(() => mock.close());
  const turnRequests = () => mock.requests.filter((r) => !isTitleRequest(r)).length;
  // read-only: only an approved escalation can write the workspace.
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url, approvalPolicy: 'on-request', sandbox: 'read-only' }));
  const ws = await startWsServer({ home, cwd: workspace });
  t.after(() => ws.server.kill());
  const tui = await launchTui(t, { url: ws.url, cwd: workspace, codexHome });
  await tui.waitForText(COMPOSER);

  const first = tui.offset;
  await send(tui, 'Create the markers', turnRequests);
  await tui.waitForText(APPROVAL, STEP_MS, first);
  await tui.waitForText('Reason: Create the first marker outside the sandbox', STEP_MS, first);
  await tui.waitForText(`$ cp -v /etc/hostname ${fileA}`, STEP_MS, first);
  await tui.waitForText("Yes, and don't ask again for commands that start with `cp -v`", STEP_MS, first);
  assert.equal(existsSync(fileA), false, 'nothing runs before the answer');
  await answer(tui, 'p', 'You approved codex to always run commands that start with cp -v', first);
  const granted = tui.offset;
  await tui.waitForText(`└ '/etc/hostname' -> '${fileA}'`, STEP_MS, first);
  await tui.waitForText(`└ '/etc/hostname' -> '${fileB}'`, STEP_MS, first);
  await tui.waitForText('Both markers are there', STEP_MS, first);
  await tui.waitForText('Worked for', STEP_MS, first);
  assert.ok(!squash(tui.screen.slice(granted)).includes(squash(APPROVAL)), `the second cp -v must not ask${tui.tail()}`);
  assert.equal(existsSync(fileA) && existsSync(fileB), true, 'both ran outside the read-only sandbox');
  const outputs = mock.requests.filter((r) => !isTitleRequest(r)).flatMap((r) => (r.body?.input as { type: string; call_id?: string; output?: string }[]).filter((i) => i.type === 'function_call_output'));
  assert.match(outputs.find((o) => o.call_id === 'call_b')?.output ?? '', /Exit code: 0[\s\S]*b\.txt/);

  // A command outside the granted prefix asks again; "Yes, proceed" runs it and its output cell appears.
  const second = tui.offset;
  await send(tui, 'Now the directory', turnRequests);
  await tui.waitForText(APPROVAL, STEP_MS, second);
  await tui.waitForText('Reason: Make a directory outside the sandbox', STEP_MS, second);
  await tui.waitForText("don't ask again for commands that start with `mkdir -v", STEP_MS, second);
  await answer(tui, 'y', `└ mkdir: created directory '${dirC}'`, second);
  await tui.waitForText('The directory is there too', STEP_MS, second);
  assert.equal(existsSync(dirC), true);
  assert.equal(script.length, 0, 'every scripted reply was used');

  tui.write('\x03');
  await sleep(300);
  tui.write('\x03');
  if ((await within(tui.exited, 5000)) === null) {
    tui.write('/quit');
    await sleep(300);
    tui.write('\r');
    assert.ok((await within(tui.exited, STEP_MS)) !== null, `the TUI did not exit${tui.tail()}`);
  }
  assert.equal(ws.server.running, true, ws.server.stderrTail());
});
