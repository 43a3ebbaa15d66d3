// Agent turns end to end: the real server process against a scripted mock Responses server.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer } from '../../testkit/mock-responses-server';
import { sse } from '../../testkit/responses-sse';
import { startStdioServer, type StdioClient } from '../support/server-process';
import { startWsServer, type WsClient } from '../support/ws-client';
import type { ThreadSessionResult } from '../support/wire';

interface TurnParams {
  threadId: string;
  turnId: string;
  turn: { id: string; status: string; items: { type: string; id: string; [k: string]: unknown }[]; error: unknown };
  item: { type: string; id: string; [k: string]: unknown };
  delta: string;
}

interface SetupOptions {
  approvalPolicy?: string;
  sandbox?: string;
  extraConfig?: string;
  requestMaxRetries?: number;
  streamMaxRetries?: number;
  dynamicTools?: unknown[];
}

async function setup(t: TestContext, opts: SetupOptions = {}) {
  const mock: MockResponsesServer = await startMockResponsesServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'codex-web-turns-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-work-'));
  writeFileSync(
    path.join(dir, 'config.toml'),
    mockProviderConfig({
      baseUrl: mock.url,
      approvalPolicy: opts.approvalPolicy ?? 'never',
      sandbox: opts.sandbox ?? 'workspace-write',
      extra: opts.extraConfig,
      requestMaxRetries: opts.requestMaxRetries,
      streamMaxRetries: opts.streamMaxRetries,
    }),
  );
  const c = startStdioServer({ home: dir, args: [], env: { CODEX_WEB_MODEL_RETRY_BASE_MS: '20' } });
  t.after(async () => {
    c.server.kill();
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  await c.initialize();
  const { thread } = await c.request<ThreadSessionResult>('thread/start', { cwd: work, ...(opts.dynamicTools ? { dynamicTools: opts.dynamicTools } : {}) });
  return { c, mock, dir, work, threadId: thread.id };
}

async function startTurn(c: StdioClient | WsClient, threadId: string, text: string) {
  const res = await c.request<{ turn: { id: string; status: string } }>('turn/start', { threadId, input: [{ type: 'text', text }] });
  assert.equal(res.turn.status, 'inProgress');
  return res.turn.id;
}

const completed = (c: StdioClient | WsClient, turnId: string) => c.readUntilNotification<TurnParams>('turn/completed', (p) => p.turn.id === turnId);

test('a streaming turn emits events in protocol order and deltas concatenate to the final text', async (t) => {
  const { c, mock, threadId } = await setup(t);
  mock.enqueue(sse.message('Hello from the mock model, streamed in pieces.', { deltas: 7 }));
  const turnId = await startTurn(c, threadId, 'say hello');
  const done = await completed(c, turnId);
  assert.equal(done.params.turn.status, 'completed');

  const seen = c.notificationsSeen().filter((n) => n.params.threadId === threadId || (n.params.thread as { id?: string } | undefined)?.id === threadId);
  const methods = seen.map((n) => n.method);
  const order = ['thread/status/changed', 'turn/started', 'item/started', 'item/completed', 'item/started', 'item/agentMessage/delta', 'item/completed', 'thread/tokenUsage/updated', 'thread/status/changed', 'turn/completed'];
  const compact = methods.filter((m, i) => !(m === 'item/agentMessage/delta' && methods[i - 1] === 'item/agentMessage/delta'));
  assert.deepEqual(compact.slice(compact.indexOf('thread/status/changed')), order);

  const deltas = seen.filter((n) => n.method === 'item/agentMessage/delta').map((n) => n.params.delta as string);
  assert.equal(deltas.length, 7);
  const agent = seen.find((n) => n.method === 'item/completed' && (n.params.item as { type: string }).type === 'agentMessage')!;
  assert.equal(deltas.join(''), (agent.params.item as { text: string }).text);
  assert.equal((agent.params.item as { text: string }).text, 'Hello from the mock model, streamed in pieces.');

  // The request carried the user's text; the thread's preview (title) is the first user message.
  const [req] = await mock.waitForRequests(1);
  assert.match(JSON.stringify(req!.body), /say hello/);
  const { thread } = await c.request<{ thread: { preview: string; turns: { items: { type: string }[] }[] } }>('thread/read', { threadId, includeTurns: true });
  assert.equal(thread.preview, 'say hello');
  assert.deepEqual(thread.turns[0]!.items.map((i) => i.type), ['userMessage', 'agentMessage']);
  const found = await c.request<{ data: { id: string }[] }>('thread/list', { searchTerm: 'say hel' });
  assert.deepEqual(found.data.map((x) => x.id), [threadId]);
});

test('shell scenario: commandExecution items and the output fed back to the model', async (t) => {
  const { c, mock, threadId } = await setup(t);
  mock.enqueue(sse.shellCommand('printf realtime-tool-ok', 'shell_call', { timeout_ms: 5000 }), sse.message('shell tool finished'));
  const turnId = await startTurn(c, threadId, 'run it');
  const started = await c.readUntilNotification<TurnParams>('item/started', (p) => p.item.type === 'commandExecution');
  assert.equal(started.params.item.id, 'shell_call');
  assert.equal(started.params.item.status, 'inProgress');
  const done = await c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.type === 'commandExecution');
  assert.equal(done.params.item.id, 'shell_call');
  assert.equal(done.params.item.status, 'completed');
  assert.equal(done.params.item.aggregatedOutput, 'realtime-tool-ok');
  assert.equal(done.params.item.exitCode, 0);
  assert.equal(typeof done.params.item.durationMs, 'number');
  assert.equal((await completed(c, turnId)).params.turn.status, 'completed');

  const requests = await mock.waitForRequests(2);
  const output = (requests[1]!.body!.input as { type: string; call_id?: string; output?: string }[]).find((i) => i.type === 'function_call_output');
  assert.equal(output?.call_id, 'shell_call');
  assert.match(output!.output!, /realtime-tool-ok/);
});

test('approvals: decline never runs the command; accept runs it; serverRequest/resolved follows each answer', async (t) => {
  const { c, mock, threadId, work } = await setup(t, { approvalPolicy: 'untrusted' });
  const marker = path.join(work, 'ran.txt');
  mock.enqueue(sse.shellCommand(`touch ${marker}`, 'call_decline'), sse.message('ok, not running it'));
  const turn1 = await startTurn(c, threadId, 'touch a file');
  const ask = await c.readUntilServerRequest<{ itemId: string; command: string; threadId: string; turnId: string }>('item/commandExecution/requestApproval');
  assert.equal(ask.params.itemId, 'call_decline');
  assert.equal(ask.params.turnId, turn1);
  assert.match(ask.params.command, /touch/);
  c.respond(ask.id, { decision: 'decline' });
  const resolved = await c.readUntilNotification<{ requestId: string }>('serverRequest/resolved');
  assert.equal(resolved.params.requestId, ask.id);
  const declined = await c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.id === 'call_decline');
  assert.equal(declined.params.item.status, 'declined');
  await completed(c, turn1);
  assert.equal(existsSync(marker), false, 'a declined command must never run');
  const told = (await mock.waitForRequests(2))[1]!.body!.input as { type: string; output?: string }[];
  assert.equal(told.find((i) => i.type === 'function_call_output')!.output, 'exec command rejected by user');

  mock.enqueue(sse.shellCommand(`touch ${marker}`, 'call_accept'), sse.message('done'));
  const turn2 = await startTurn(c, threadId, 'now do it');
  const ask2 = await c.readUntilServerRequest<{ itemId: string }>('item/commandExecution/requestApproval');
  c.respond(ask2.id, { decision: 'accept' });
  await c.readUntilNotification<{ requestId: string }>('serverRequest/resolved', (p) => p.requestId === ask2.id);
  const ran = await c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.id === 'call_accept');
  assert.equal(ran.params.item.status, 'completed');
  await completed(c, turn2);
  assert.equal(existsSync(marker), true);
});

test('apply_patch edits files, reports a fileChange with diffs and turn/diff/updated', async (t) => {
  const { c, mock, threadId, work } = await setup(t);
  writeFileSync(path.join(work, 'hello.txt'), 'one\ntwo\n');
  const patch = '*** Begin Patch\n*** Update File: hello.txt\n@@\n one\n-two\n+TWO\n*** Add File: new.txt\n+fresh\n*** End Patch';
  mock.enqueue(sse.applyPatch(patch, 'call_patch'), sse.message('patched'));
  const turnId = await startTurn(c, threadId, 'edit');
  const change = await c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.type === 'fileChange');
  assert.equal(change.params.item.status, 'completed');
  const changes = change.params.item.changes as { path: string; kind: { type: string } }[];
  assert.deepEqual(changes.map((ch) => [path.basename(ch.path), ch.kind.type]).sort(), [['hello.txt', 'update'], ['new.txt', 'add']]);
  const diff = await c.readUntilNotification<{ diff: string }>('turn/diff/updated');
  assert.match(diff.params.diff, /-two\n\+TWO/);
  await completed(c, turnId);
  assert.equal(readFileSync(path.join(work, 'hello.txt'), 'utf8'), 'one\nTWO\n');
  assert.equal(readFileSync(path.join(work, 'new.txt'), 'utf8'), 'fresh\n');
});

test('interrupt ends a hanging stream as interrupted within 500 ms', async (t) => {
  const { c, mock, threadId } = await setup(t);
  mock.enqueue(sse.hanging());
  const turnId = await startTurn(c, threadId, 'hang');
  await mock.waitForRequests(1);
  const t0 = Date.now();
  await c.request('turn/interrupt', { threadId, turnId });
  const done = await completed(c, turnId);
  assert.equal(done.params.turn.status, 'interrupted');
  assert.ok(Date.now() - t0 < 500, `interrupt took ${Date.now() - t0} ms`);
});

test('interrupt kills a running command', async (t) => {
  const { c, mock, threadId } = await setup(t);
  mock.enqueue(sse.shellCommand('sleep 30', 'call_sleep', { timeout_ms: 60_000 }));
  const turnId = await startTurn(c, threadId, 'sleep');
  await c.readUntilNotification<TurnParams>('item/started', (p) => p.item.id === 'call_sleep');
  const t0 = Date.now();
  await c.request('turn/interrupt', { threadId, turnId });
  const done = await completed(c, turnId);
  assert.equal(done.params.turn.status, 'interrupted');
  assert.ok(Date.now() - t0 < 1000, `interrupt took ${Date.now() - t0} ms`);
  assert.equal(mock.requests.length, 1, 'no further model request after an interrupt');
});

test('steer text reaches the next request of the same turn, also after a response without tool calls', async (t) => {
  const { c, mock, threadId } = await setup(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  mock.enqueue(sse.gated(sse.message('first answer'), gate, 2), sse.message('second answer'));
  const turnId = await startTurn(c, threadId, 'start');
  await mock.waitForRequests(1);
  const steer = await c.request<{ turnId: string }>('turn/steer', { threadId, expectedTurnId: turnId, input: [{ type: 'text', text: 'steer the active task' }] });
  assert.equal(steer.turnId, turnId);
  release();
  await completed(c, turnId);
  const requests = await mock.waitForRequests(2);
  assert.equal(requests.length, 2, 'exactly two Responses requests');
  assert.match(JSON.stringify(requests[1]!.body!.input), /steer the active task/);
  assert.doesNotMatch(JSON.stringify(requests[0]!.body!.input), /steer the active task/);

  const err = await c.requestError('turn/steer', { threadId, expectedTurnId: turnId, input: [{ type: 'text', text: 'late' }] });
  assert.equal(err.code, -32600);
});

test('upstream 401 fails the turn with codexErrorInfo and the thread stays usable', async (t) => {
  const { c, mock, threadId } = await setup(t);
  mock.enqueue(sse.httpError(401, { error: { code: 'invalid_api_key', message: 'bad key' } }));
  const turnId = await startTurn(c, threadId, 'hi');
  const err = await c.readUntilNotification<{ error: { codexErrorInfo: unknown }; willRetry: boolean }>('error');
  assert.equal(err.params.willRetry, false);
  assert.equal(err.params.error.codexErrorInfo, 'unauthorized');
  const done = await completed(c, turnId);
  assert.equal(done.params.turn.status, 'failed');
  assert.deepEqual((done.params.turn.error as { codexErrorInfo: unknown }).codexErrorInfo, 'unauthorized');

  mock.enqueue(sse.message('recovered'));
  const next = await startTurn(c, threadId, 'again');
  assert.equal((await completed(c, next)).params.turn.status, 'completed');
});

test('restart: thread/read returns every turn and item; a turn cut off by a crash reads as interrupted', async (t) => {
  const { c, mock, threadId, dir } = await setup(t);
  mock.enqueue(sse.message('first reply'));
  await completed(c, await startTurn(c, threadId, 'first'));
  mock.enqueue(sse.hanging());
  await startTurn(c, threadId, 'second');
  await mock.waitForRequests(2);
  c.server.kill('SIGKILL');
  await c.server.exited;

  const c2 = startStdioServer({ home: dir, args: [] });
  t.after(() => c2.server.kill());
  await c2.initialize();
  const { thread } = await c2.request<{ thread: { turns: { status: string; items: { type: string; text?: string }[] }[] } }>('thread/read', { threadId, includeTurns: true });
  assert.deepEqual(thread.turns.map((x) => x.status), ['completed', 'interrupted']);
  assert.deepEqual(thread.turns[0]!.items.map((i) => i.type), ['userMessage', 'agentMessage']);
  assert.equal(thread.turns[0]!.items[1]!.text, 'first reply');
  assert.deepEqual(thread.turns[1]!.items.map((i) => i.type), ['userMessage']);
});

test('dynamic tools: item/tool/call round trip produces a dynamicToolCall item and feeds the answer back', async (t) => {
  const tool = { name: 'lookup_ticket', description: 'Look up a ticket', inputSchema: { type: 'object', properties: { id: { type: 'string' } } } };
  const { c, mock, threadId } = await setup(t, { dynamicTools: [tool] });
  mock.enqueue(sse.functionCall('lookup_ticket', { id: 'T-42' }, 'call_dyn'), sse.message('ticket found'));
  const turnId = await startTurn(c, threadId, 'look it up');
  const call = await c.readUntilServerRequest<{ callId: string; tool: string; arguments: unknown; turnId: string }>('item/tool/call');
  assert.deepEqual([call.params.callId, call.params.tool, call.params.turnId], ['call_dyn', 'lookup_ticket', turnId]);
  assert.deepEqual(call.params.arguments, { id: 'T-42' });
  c.respond(call.id, { contentItems: [{ type: 'inputText', text: 'T-42 is open' }], success: true });
  const item = await c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.type === 'dynamicToolCall');
  assert.equal(item.params.item.status, 'completed');
  assert.deepEqual(item.params.item.contentItems, [{ type: 'inputText', text: 'T-42 is open' }]);
  await completed(c, turnId);
  const requests = await mock.waitForRequests(2);
  assert.ok((requests[0]!.body!.tools as { name: string }[]).some((x) => x.name === 'lookup_ticket'), 'the model is offered the dynamic tool');
  assert.match(JSON.stringify(requests[1]!.body!.input), /T-42 is open/);
});

test('an approval outlives the connection that was asked: the next subscriber gets it and its answer counts', async (t) => {
  const mock = await startMockResponsesServer();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'codex-web-turns-'));
  writeFileSync(path.join(dir, 'config.toml'), mockProviderConfig({ baseUrl: mock.url, approvalPolicy: 'untrusted', sandbox: 'workspace-write', name: null }));
  const ws = await startWsServer({ home: dir, args: ['-c', 'thread_unload_grace_s=60'] });
  t.after(async () => {
    await ws.server.kill();
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const a = await ws.connect();
  await a.initialize();
  // The workspace is its own folder: the server home is hidden from sandboxed commands.
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-work-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const { thread } = await a.request<ThreadSessionResult>('thread/start', { cwd: work });
  mock.enqueue(sse.shellCommand('touch approved-later.txt', 'call_wait'), sse.message('done'));
  const turnId = await startTurn(a, thread.id, 'touch');
  await a.readUntilServerRequest('item/commandExecution/requestApproval');
  a.close();

  const b = await ws.connect();
  await b.initialize();
  await b.request('thread/resume', { threadId: thread.id });
  const ask = await b.readUntilServerRequest<{ itemId: string }>('item/commandExecution/requestApproval');
  assert.equal(ask.params.itemId, 'call_wait');
  b.respond(ask.id, { decision: 'accept' });
  const done = await completed(b, turnId);
  assert.equal(done.params.turn.status, 'completed');
  assert.equal(existsSync(path.join(work, 'approved-later.txt')), true);
});

test('interrupt resolves a pending approval and the command never runs', async (t) => {
  const { c, mock, threadId, work } = await setup(t, { approvalPolicy: 'untrusted' });
  mock.enqueue(sse.shellCommand('touch never.txt', 'call_pending'));
  const turnId = await startTurn(c, threadId, 'touch');
  const ask = await c.readUntilServerRequest('item/commandExecution/requestApproval');
  await c.request('turn/interrupt', { threadId, turnId });
  await c.readUntilNotification<{ requestId: string }>('serverRequest/resolved', (p) => p.requestId === ask.id);
  const item = await c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.id === 'call_pending');
  assert.equal(item.params.item.status, 'declined');
  assert.equal((await completed(c, turnId)).params.turn.status, 'interrupted');
  assert.equal(existsSync(path.join(work, 'never.txt')), false);
});

test('upstream 500 without retries fails with httpConnectionFailed; 429 with Retry-After is retried after the wait', async (t) => {
  const { c, mock, threadId } = await setup(t, { requestMaxRetries: 1 });
  mock.enqueue(sse.httpError(500, { error: { message: 'boom' } }), sse.httpError(500, { error: { message: 'boom again' } }));
  const failed = await completed(c, await startTurn(c, threadId, 'one'));
  assert.equal(failed.params.turn.status, 'failed');
  assert.deepEqual((failed.params.turn.error as { codexErrorInfo: unknown }).codexErrorInfo, { httpConnectionFailed: { httpStatusCode: 500 } });
  assert.equal(mock.requests.length, 2, 'one retry for request_max_retries = 1');

  mock.enqueue(sse.httpError(429, { error: { message: 'slow down' } }, { retryAfter: 1 }), sse.message('after the wait'));
  const t0 = Date.now();
  const turnId = await startTurn(c, threadId, 'two');
  const retry = await c.readUntilNotification<{ willRetry: boolean }>('error', (p) => p.willRetry);
  assert.equal(retry.params.willRetry, true);
  assert.equal((await completed(c, turnId)).params.turn.status, 'completed');
  assert.ok(Date.now() - t0 >= 900, 'Retry-After: 1 is honoured');
});

test('a stream dropped mid-turn is retried; malformed SSE fails the turn clearly; the thread stays usable', async (t) => {
  const { c, mock, threadId } = await setup(t, { streamMaxRetries: 1 });
  mock.enqueue(sse.drop(sse.message('lost partial answer', { deltas: 4 }), 4), sse.message('complete answer'));
  const turnId = await startTurn(c, threadId, 'drop');
  const retry = await c.readUntilNotification<{ willRetry: boolean; error: { codexErrorInfo: unknown } }>('error');
  assert.equal(retry.params.willRetry, true);
  const done = await completed(c, turnId);
  assert.equal(done.params.turn.status, 'completed');
  const agent = done.params.turn.items.filter((i) => i.type === 'agentMessage');
  assert.deepEqual(agent.map((i) => i.text), ['complete answer']);

  mock.enqueue(sse.malformed(), sse.malformed());
  const bad = await completed(c, await startTurn(c, threadId, 'malformed'));
  assert.equal(bad.params.turn.status, 'failed');
  assert.match((bad.params.turn.error as { message: string }).message, /./);

  mock.enqueue(sse.message('still fine'));
  assert.equal((await completed(c, await startTurn(c, threadId, 'after'))).params.turn.status, 'completed');
});

test('sandbox through a turn: read-only refuses a write with a read-only-filesystem error; danger-full-access writes', async (t) => {
  const { c, mock, threadId, work } = await setup(t, { sandbox: 'read-only' });
  const target = path.join(work, 'sandboxed.txt');
  mock.enqueue(sse.shellCommand(`echo hi > ${target}`, 'call_ro'), sse.message('denied by the sandbox'));
  const turnId = await startTurn(c, threadId, 'write');
  const ro = await c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.id === 'call_ro');
  assert.notEqual(ro.params.item.exitCode, 0);
  assert.match(String(ro.params.item.aggregatedOutput), /Read-only file system/);
  await completed(c, turnId);
  assert.equal(existsSync(target), false);

  // Positive control: the same command on the same thread once the sandbox is lifted.
  mock.enqueue(sse.shellCommand(`echo hi > ${target}`, 'call_rw'), sse.message('written'));
  const res = await c.request<{ turn: { id: string } }>('turn/start', {
    threadId,
    input: [{ type: 'text', text: 'write again' }],
    sandboxPolicy: { type: 'dangerFullAccess' },
  });
  const rw = await c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.id === 'call_rw');
  assert.equal(rw.params.item.exitCode, 0);
  await completed(c, res.turn.id);
  assert.equal(readFileSync(target, 'utf8'), 'hi\n');
});
