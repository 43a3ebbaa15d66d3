// Live sync (docs/architecture.md#importing-codex-history): while our app-server runs with --codex-home, the
// reference app-server (0.169, mock provider) writes a session there; it shows up in our list within 2 s,
// grows with the next turn (a subscribed client gets its notifications), and is read-only here while written.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { referencePaths } from '../../scripts/ensure-reference.mjs';
import { startMockResponsesServer } from '../../testkit/mock-responses-server';
import { startReferenceAppServer } from '../../testkit/reference-app-server';
import { sse } from '../../testkit/responses-sse';
import { startStdioServer } from '../support/server-process';

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

test('a session the reference writes into a watched Codex home appears and grows within 2 s, read-only while written', async (t) => {
  const mock = await startMockResponsesServer();
  const codexHome = mkdtempSync(path.join(os.tmpdir(), 'codex-web-live-codex-'));
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-live-home-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-live-work-'));
  t.after(async () => {
    await mock.close();
    for (const d of [codexHome, home, work]) rmSync(d, { recursive: true, force: true });
  });
  const ours = startStdioServer({ home, args: ['--codex-home', codexHome] });
  t.after(() => ours.server.kill());
  await ours.initialize({ experimentalApi: true });
  const ref = await startReferenceAppServer({ codex: referencePaths().codex, home: codexHome, providerUrl: mock.url });
  t.after(() => ref.close());

  mock.enqueue(sse.message('Live answer about the Capybara.'), sse.message('A second live answer about the Okapi.'));
  const id = (await ref.request<{ thread: { id: string } }>('thread/start', { cwd: work })).thread.id;
  await ref.turn(id, 'live question one');
  const t0 = Date.now();
  await until('the thread listed', async () => (await ours.request<{ data: { id: string }[] }>('thread/list', { sourceKinds: [] })).data.some((x) => x.id === id), 2000);
  assert.ok(Date.now() - t0 <= 2000);
  // The rollout may still be mid-turn at that moment; its answer follows within the same 2 s.
  await until(
    'the first answer shown',
    async () => {
      const r = await ours.request<{ thread: { turns: { status: string; items: { type: string; text?: string }[] }[] } }>('thread/read', { threadId: id, includeTurns: true });
      return r.thread.turns.length === 1 && r.thread.turns[0]!.status === 'completed' && r.thread.turns[0]!.items.some((i) => i.text === 'Live answer about the Capybara.');
    },
    2000,
  );
  assert.ok(Date.now() - t0 <= 2000);

  // Subscribed (thread/resume), a client sees the next turn arrive as notifications.
  await ours.request('thread/resume', { threadId: id });
  // Being written by the CLI: no turns from here.
  await assert.rejects(ours.request('turn/start', { threadId: id, input: [{ type: 'text', text: 'hi' }] }), /being written by the Codex CLI/);
  await ref.turn(id, 'live question two');
  const t1 = Date.now();
  const n = await ours.readUntilNotification<{ threadId: string; item: { type: string; text?: string } }>('item/completed', (p) => p.threadId === id && p.item.type === 'agentMessage', 2000);
  assert.equal(n.params.item.text, 'A second live answer about the Okapi.');
  assert.ok(Date.now() - t1 <= 2000, `the answer arrived ${Date.now() - t1} ms after the reference finished its turn`);
  const found = await ours.request<{ data: { thread: { id: string } }[] }>('thread/search', { searchTerm: 'okapi' });
  assert.deepEqual(found.data.map((d) => d.thread.id), [id]);
});

test('a session file seen before its first message is announced (thread/started, once) when that message is written', async (t) => {
  const codexHome = mkdtempSync(path.join(os.tmpdir(), 'codex-web-live-codex-'));
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-live-home-'));
  t.after(() => {
    for (const d of [codexHome, home]) rmSync(d, { recursive: true, force: true });
  });
  const ours = startStdioServer({ home, args: ['--codex-home', codexHome] });
  t.after(() => ours.server.kill());
  await ours.initialize({ experimentalApi: true });

  // Today's folder, as the CLI writes it: the session's meta line first, nothing else yet.
  const now = new Date();
  const dir = path.join(codexHome, 'sessions', String(now.getFullYear()), String(now.getMonth() + 1).padStart(2, '0'), String(now.getDate()).padStart(2, '0'));
  mkdirSync(dir, { recursive: true });
  const id = '01a00000-0000-7000-8000-0000000000aa';
  const file = path.join(dir, `rollout-2026-12-02T00-00-00-${id}.jsonl`);
  const ts = now.toISOString();
  const line = (o: unknown) => `${JSON.stringify(o)}\n`;
  writeFileSync(file, line({ timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/tmp', originator: 'codex_cli_rs', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } }));
  await until('the bare session imported', async () => {
    try {
      return (await ours.request<{ thread: { id: string } }>('thread/read', { threadId: id })).thread.id === id;
    } catch {
      return false;
    }
  }, 3000);
  const listed = async () => (await ours.request<{ data: { id: string }[] }>('thread/list', { sourceKinds: [] })).data.some((x) => x.id === id);
  assert.equal(await listed(), false, 'no message, no name: not listed');
  const announced = () => ours.notificationsSeen().filter((n) => n.method === 'thread/started' && (n.params.thread as { id: string }).id === id);
  assert.equal(announced().length, 0, 'not announced while it is not listed');

  appendFileSync(
    file,
    line({ timestamp: ts, type: 'event_msg', payload: { type: 'task_started', turn_id: 'turn-1' } }) +
      line({ timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', turn_id: 'turn-1', item: { type: 'UserMessage', id: 'u1', content: [{ type: 'text', text: 'where do tapirs sleep' }] } } }),
  );
  const n = await ours.readUntilNotification<{ thread: { id: string; preview: string } }>('thread/started', (p) => p.thread.id === id, 3000);
  assert.equal(n.params.thread.preview, 'where do tapirs sleep');
  assert.equal(await listed(), true);

  // It grows on: still one announcement.
  appendFileSync(file, line({ timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', turn_id: 'turn-1', item: { type: 'AgentMessage', id: 'a1', content: [{ type: 'Text', text: 'in the water' }] } } }));
  await until('the answer imported', async () => (await ours.request<{ data: unknown[] }>('thread/search', { searchTerm: 'in the water' })).data.length === 1, 3000);
  assert.equal(announced().length, 1);
});

// The recent-folder poll took every name `rollout-*.jsonl` there, where the full scan takes regular files only:
// a FIFO of that name blocked the server in open() for good (no request answered), and a symlink was followed
// out of the Codex home. The poll now takes what the full scan takes.
test('the recent-folder poll takes regular files only: a FIFO does not hang the server, a symlink is not followed', async (t) => {
  const codexHome = mkdtempSync(path.join(os.tmpdir(), 'codex-web-live-codex-'));
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-live-home-'));
  const outside = mkdtempSync(path.join(os.tmpdir(), 'codex-web-live-outside-'));
  t.after(() => {
    for (const d of [codexHome, home, outside]) rmSync(d, { recursive: true, force: true });
  });
  const ours = startStdioServer({ home, args: ['--codex-home', codexHome] });
  t.after(() => ours.server.kill());
  await ours.initialize({ experimentalApi: true });

  const now = new Date();
  const dir = path.join(codexHome, 'sessions', String(now.getFullYear()), String(now.getMonth() + 1).padStart(2, '0'), String(now.getDate()).padStart(2, '0'));
  mkdirSync(dir, { recursive: true });
  const ts = now.toISOString();
  const rollout = (id: string, words: string) =>
    [
      { timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/tmp', originator: 'codex_cli_rs', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } },
      { timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: words } },
    ]
      .map((l) => `${JSON.stringify(l)}\n`)
      .join('');
  const linked = '01a00000-0000-7000-8000-0000000000bb';
  const real = '01a00000-0000-7000-8000-0000000000cc';
  execFileSync('mkfifo', [path.join(dir, 'rollout-2026-12-02T00-00-00-01a00000-0000-7000-8000-0000000000ff.jsonl')]);
  writeFileSync(path.join(outside, 'elsewhere.jsonl'), rollout(linked, 'a file outside the home'));
  symlinkSync(path.join(outside, 'elsewhere.jsonl'), path.join(dir, `rollout-2026-12-02T00-00-01-${linked}.jsonl`));
  writeFileSync(path.join(dir, `rollout-2026-12-02T00-00-02-${real}.jsonl`), rollout(real, 'a session of the home'));

  // A hung server answers nothing: each read gives up after a second.
  const read = async (id: string) => {
    try {
      return (await ours.readUntilResponse<{ thread: { id: string } }>(ours.send('thread/read', { threadId: id }), 1000)).result.thread.id === id;
    } catch {
      return false;
    }
  };
  await until('the regular rollout imported', () => read(real), 5000);
  assert.match((await ours.requestError('thread/read', { threadId: linked })).message, /not found/, 'the symlinked rollout is not imported');
  assert.deepEqual((await ours.request<{ data: { thread: { id: string } }[] }>('thread/search', { searchTerm: 'outside the home' })).data, []);
});
