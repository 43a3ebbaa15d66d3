// apply_patch's plan/approve/write race, end to end: the real server, a scripted model, two threads on one
// workspace. Thread A's patch is planned and waits for approval; meanwhile thread B's sandboxed command swaps
// the patched directory for a symlink out of the workspace. Approving A must not write outside (it did before
// apply_patch re-verified paths at write time without following symlinks).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer } from '../../testkit/mock-responses-server';
import { sse } from '../../testkit/responses-sse';
import { startStdioServer } from '../support/server-process';
import type { ThreadSessionResult } from '../support/wire';

interface Item {
  type: string;
  id: string;
  status?: string;
  [k: string]: unknown;
}

test('a directory swapped for a symlink during the approval wait does not redirect the approved patch', async (t) => {
  const mock = await startMockResponsesServer();
  const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'codex-web-patch-race-')));
  const home = path.join(root, 'home');
  const work = path.join(root, 'work');
  const outside = path.join(root, 'outside');
  for (const d of [home, path.join(work, 'dir'), outside]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(work, 'dir/file.txt'), 'original\n');
  // What the attacker planted outside: a look-alike (so a content check cannot tell) and an empty spot.
  writeFileSync(path.join(outside, 'file.txt'), 'original\n');
  writeFileSync(
    path.join(home, 'config.toml'),
    mockProviderConfig({
      baseUrl: mock.url,
      approvalPolicy: 'untrusted',
      sandbox: 'workspace-write',
      extra: '\n[sandbox_workspace_write]\nexclude_slash_tmp = true\nexclude_tmpdir_env_var = true\n',
    }),
  );
  const c = startStdioServer({ home, args: [], env: { CODEX_WEB_MODEL_RETRY_BASE_MS: '20' } });
  t.after(async () => {
    c.server.kill();
    await mock.close();
    rmSync(root, { recursive: true, force: true });
  });
  await c.initialize();
  const threadA = (await c.request<ThreadSessionResult>('thread/start', { cwd: work })).thread.id;
  const threadB = (await c.request<ThreadSessionResult>('thread/start', { cwd: work })).thread.id;
  const startTurn = async (threadId: string, text: string) =>
    (await c.request<{ turn: { id: string } }>('turn/start', { threadId, input: [{ type: 'text', text }] })).turn.id;
  const turnDone = (turnId: string) => c.readUntilNotification<{ turn: { id: string } }>('turn/completed', (p) => p.turn.id === turnId);

  // Thread A: the patch is planned (paths checked: all inside the workspace) and waits for approval.
  const patch = '*** Begin Patch\n*** Update File: dir/file.txt\n@@\n-original\n+PATCHED\n*** Add File: dir/planted.txt\n+PLANTED\n*** End Patch';
  mock.enqueue(sse.applyPatch(patch, 'call_patch'));
  const turnA = await startTurn(threadA, 'edit the file');
  const askA = await c.readUntilServerRequest<{ itemId: string }>('item/fileChange/requestApproval');
  assert.equal(askA.params.itemId, 'call_patch');

  // Thread B, meanwhile: a command inside the bwrap sandbox swaps dir for a symlink to the outside directory.
  mock.enqueue(sse.shellCommand(`mv dir dir.bak && ln -s ${outside} dir && echo swapped`, 'call_swap'), sse.message('swapped'));
  const turnB = await startTurn(threadB, 'tidy up');
  const askB = await c.readUntilServerRequest<{ itemId: string }>('item/commandExecution/requestApproval');
  c.respond(askB.id, { decision: 'accept' });
  const swap = await c.readUntilNotification<{ item: Item }>('item/completed', (p) => p.item.id === 'call_swap');
  assert.equal(swap.params.item.exitCode, 0, `the swap must succeed inside the sandbox: ${String(swap.params.item.aggregatedOutput)}`);
  await turnDone(turnB);

  // Now the user approves thread A's patch.
  mock.enqueue(sse.message('done'));
  c.respond(askA.id, { decision: 'accept' });
  const change = await c.readUntilNotification<{ item: Item }>('item/completed', (p) => p.item.id === 'call_patch');
  await turnDone(turnA);

  assert.deepEqual(readdirSync(outside), ['file.txt'], 'nothing may be created outside the workspace');
  assert.equal(readFileSync(path.join(outside, 'file.txt'), 'utf8'), 'original\n', 'the outside file must be untouched');
  assert.equal(readFileSync(path.join(work, 'dir.bak/file.txt'), 'utf8'), 'original\n');
  assert.equal(change.params.item.status, 'failed');
  const sent = mock.requests
    .flatMap((r) => (r.body?.input ?? []) as { type: string; call_id?: string; output?: string }[])
    .find((i) => i.type === 'function_call_output' && i.call_id === 'call_patch');
  assert.match(String(sent?.output), /^apply_patch failed: apply_patch refused to write .*symbolic link/);
});
