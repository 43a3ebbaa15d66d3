// Command approvals as the reference sends them, escalation out of the sandbox, and "don't ask again for commands
// that start with …" (acceptWithExecpolicyAmendment): the real server over stdio against a scripted mock model.
// Each "never ran" check has a positive control: the same command, approved, does run.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer } from '../../testkit/mock-responses-server';
import { sse } from '../../testkit/responses-sse';
import { startStdioServer, type StdioClient } from '../support/server-process';
import type { ThreadSessionResult } from '../support/wire';

interface Item {
  type: string;
  id: string;
  status?: string;
  command?: string;
  source?: string;
  aggregatedOutput?: string | null;
  commandActions?: unknown;
  [k: string]: unknown;
}
interface ApprovalParams {
  threadId: string;
  turnId: string;
  itemId: string;
  startedAtMs: number;
  kind: string;
  environmentId: null;
  reason: string | null;
  command: string;
  cwd: string;
  commandActions: unknown;
  proposedExecpolicyAmendment: string[] | null;
  availableDecisions: unknown[];
}

/** The shell tool's arguments when the model asks to run outside the sandbox. */
function escalated(command: string, justification: string, extra: Record<string, unknown> = {}) {
  return { command, workdir: null, timeout_ms: 5000, sandbox_permissions: 'require_escalated', justification, ...extra };
}

async function setup(t: TestContext, approvalPolicy: unknown = 'on-request') {
  const mock: MockResponsesServer = await startMockResponsesServer();
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-approvals-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-approvals-work-'));
  // read-only: a sandboxed command cannot write the workspace, so a written file proves it ran outside the sandbox.
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url, approvalPolicy: 'on-request', sandbox: 'read-only' }));
  const c = startStdioServer({ home, args: [] });
  t.after(async () => {
    c.server.kill();
    await mock.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  await c.initialize();
  const { thread } = await c.request<ThreadSessionResult>('thread/start', { cwd: work, approvalPolicy });
  return { c, mock, work, home, threadId: thread.id };
}

async function startTurn(c: StdioClient, threadId: string, text = 'go') {
  return (await c.request<{ turn: { id: string } }>('turn/start', { threadId, input: [{ type: 'text', text }] })).turn.id;
}
const completedTurn = (c: StdioClient, turnId: string) =>
  c.readUntilNotification<{ turn: { id: string; status: string } }>('turn/completed', (p) => p.turn.id === turnId);
const completedItem = (c: StdioClient, id: string) => c.readUntilNotification<{ item: Item }>('item/completed', (p) => (p.item as Item).id === id);
const toolOutputs = (body: Record<string, unknown> | null) =>
  ((body?.input ?? []) as { type: string; call_id?: string; output?: string }[]).filter((i) => i.type === 'function_call_output');

test('an escalation under on-request asks with the reference fields, and runs outside the sandbox only once approved', async (t) => {
  const { c, mock, work, threadId } = await setup(t);
  const inside = path.join(work, 'inside.txt');
  const outside = path.join(work, 'outside.txt');
  mock.enqueue(
    // Control: the same kind of write without escalation runs in the read-only sandbox, unasked, and fails.
    sse.shellCommand(`touch ${inside}`, 'call_sandboxed', { timeout_ms: 5000 }),
    sse.functionCall('shell_command', escalated(`touch ${outside} && echo ok`, 'Need to write outside the sandbox'), 'call_esc'),
    sse.message('done'),
  );
  const turnId = await startTurn(c, threadId);
  const sandboxed = await completedItem(c, 'call_sandboxed');
  assert.equal(sandboxed.params.item.status, 'failed');
  assert.equal(existsSync(inside), false, 'the read-only sandbox must stop the unescalated write');

  const started = await c.readUntilNotification<{ item: Item; startedAtMs: number }>('item/started', (p) => (p.item as Item).id === 'call_esc');
  const ask = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  const script = `touch ${outside} && echo ok`;
  assert.deepEqual(ask.params, {
    threadId,
    turnId,
    itemId: 'call_esc',
    startedAtMs: started.params.startedAtMs,
    kind: 'command',
    environmentId: null,
    reason: 'Need to write outside the sandbox',
    command: `bash -c '${script}'`,
    cwd: work,
    commandActions: [{ type: 'unknown', command: script }],
    proposedExecpolicyAmendment: ['touch', outside],
    availableDecisions: ['accept', { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['touch', outside] } }, 'cancel'],
  });
  assert.equal(started.params.item.command, `bash -c '${script}'`);
  assert.equal(started.params.item.source, 'agent');
  assert.equal(existsSync(outside), false, 'nothing runs before the answer');
  c.respond(ask.id, { decision: 'accept' });
  const done = await completedItem(c, 'call_esc');
  assert.equal(done.params.item.status, 'completed');
  assert.equal(done.params.item.aggregatedOutput, 'ok\n');
  assert.equal(existsSync(outside), true, 'approved: it ran outside the sandbox');
  assert.equal((await completedTurn(c, turnId)).params.turn.status, 'completed');
});

test('a declined escalation never runs and the model gets codex\'s rejection; cancel also interrupts the turn', async (t) => {
  const { c, mock, work, threadId } = await setup(t);
  const marker = path.join(work, 'declined.txt');
  mock.enqueue(sse.functionCall('shell_command', escalated(`touch ${marker}`, 'J'), 'call_decline'), sse.message('ok, not running it'));
  const turn1 = await startTurn(c, threadId);
  const ask = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  c.respond(ask.id, { decision: 'decline' });
  assert.equal((await completedItem(c, 'call_decline')).params.item.status, 'declined');
  assert.equal((await completedTurn(c, turn1)).params.turn.status, 'completed');
  assert.deepEqual(toolOutputs((await mock.waitForRequests(2))[1]!.body).map((o) => o.output), ['exec command rejected by user']);
  assert.equal(existsSync(marker), false);

  mock.enqueue(sse.functionCall('shell_command', escalated(`touch ${marker}`, 'J'), 'call_cancel'), sse.message('never sent'));
  const turn2 = await startTurn(c, threadId);
  const ask2 = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  c.respond(ask2.id, { decision: 'cancel' });
  assert.equal((await completedItem(c, 'call_cancel')).params.item.status, 'declined');
  assert.equal((await completedTurn(c, turn2)).params.turn.status, 'interrupted');
  assert.equal(existsSync(marker), false);
  assert.equal(mock.remaining(), 1, 'cancel ends the turn: no follow-up request to the model');
});

test('"don\'t ask again" (acceptWithExecpolicyAmendment) is kept for the thread: matching commands run unasked, others still ask', async (t) => {
  const { c, mock, work, threadId } = await setup(t);
  const a = path.join(work, 'a.txt');
  const b = path.join(work, 'b.txt');
  const d = path.join(work, 'd');
  mock.enqueue(
    sse.functionCall('shell_command', escalated(`touch ${a}`, 'first', { prefix_rule: ['touch'] }), 'call_a'),
    sse.functionCall('shell_command', escalated(`touch ${b}`, 'second'), 'call_b'),
    sse.functionCall('shell_command', escalated(`mkdir ${d}`, 'third'), 'call_d'),
    sse.message('done'),
  );
  const turnId = await startTurn(c, threadId);
  const ask = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  assert.equal(ask.params.itemId, 'call_a');
  assert.deepEqual(ask.params.proposedExecpolicyAmendment, ['touch'], 'the model\'s prefix_rule, since it covers the command');
  c.respond(ask.id, { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['touch'] } } });
  assert.equal((await completedItem(c, 'call_a')).params.item.status, 'completed');
  // `touch b.txt` starts with the granted prefix: no request, and it still runs outside the sandbox it asked to leave.
  assert.equal((await completedItem(c, 'call_b')).params.item.status, 'completed');
  assert.equal(existsSync(b), true);
  const ask2 = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  assert.equal(ask2.params.itemId, 'call_d', 'a command outside the prefix asks again');
  assert.deepEqual(ask2.params.proposedExecpolicyAmendment, ['mkdir', d]);
  c.respond(ask2.id, { decision: 'accept' });
  await completedTurn(c, turnId);
  const asked = c.received.filter((m) => m.method === 'item/commandExecution/requestApproval').map((m) => (m.params as ApprovalParams).itemId);
  assert.deepEqual(asked, ['call_a', 'call_d']);

  // Another thread on the same server does not inherit the grant.
  const other = (await c.request<ThreadSessionResult>('thread/start', { cwd: work, approvalPolicy: 'on-request' })).thread.id;
  mock.enqueue(sse.functionCall('shell_command', escalated(`touch ${path.join(work, 'c.txt')}`, 'other thread'), 'call_other'), sse.message('done'));
  const turn2 = await startTurn(c, other);
  const ask3 = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  assert.equal(ask3.params.itemId, 'call_other');
  c.respond(ask3.id, { decision: 'decline' });
  await completedTurn(c, turn2);
});

test('untrusted: the amendment proposed is the first command that needs approval; granting it skips later prompts in the sandbox, never an escalation', async (t) => {
  const { c, mock, work, threadId } = await setup(t, 'untrusted');
  const marker = path.join(work, 'never.txt');
  mock.enqueue(
    sse.shellCommand('ls -la && git status', 'call_1', { timeout_ms: 5000 }),
    sse.shellCommand('git status --short', 'call_2', { timeout_ms: 5000 }),
    // A granted prefix never widens the sandbox: this write still fails in read-only.
    sse.shellCommand(`git status && touch ${marker}`, 'call_3', { timeout_ms: 5000 }),
    // Nor does it cover an escalation: granted for a sandboxed run, it still asks before leaving the sandbox.
    sse.functionCall('shell_command', escalated('git status', 'outside, please'), 'call_4'),
    sse.message('done'),
  );
  const turnId = await startTurn(c, threadId);
  const ask = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  assert.equal(ask.params.command, `bash -c 'ls -la && git status'`);
  assert.equal(ask.params.reason, null);
  assert.deepEqual(ask.params.proposedExecpolicyAmendment, ['git', 'status']);
  c.respond(ask.id, { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['git', 'status'] } } });
  await completedItem(c, 'call_1');
  await completedItem(c, 'call_2');
  const ask3 = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  assert.equal(ask3.params.itemId, 'call_3', '`touch` is not covered by the grant');
  assert.deepEqual(ask3.params.proposedExecpolicyAmendment, ['touch', marker]);
  c.respond(ask3.id, { decision: 'accept' });
  assert.equal((await completedItem(c, 'call_3')).params.item.status, 'failed');
  assert.equal(existsSync(marker), false, 'not escalated: the approved command ran in the read-only sandbox');
  const ask4 = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  assert.deepEqual([ask4.params.itemId, ask4.params.reason], ['call_4', 'outside, please']);
  c.respond(ask4.id, { decision: 'decline' });
  await completedTurn(c, turnId);
});

test('attacks: a foreign amendment, an amendment nobody proposed and answers to unknown request ids grant nothing', async (t) => {
  const { c, mock, work, threadId } = await setup(t, 'untrusted');
  const marker = path.join(work, 'x');
  /** Answers one approval with `bad`: it is not a valid answer, so nothing resolves; turn/interrupt then ends it unrun. */
  async function refuse(callId: string, script: string, bad: unknown, check?: (p: ApprovalParams) => void) {
    mock.enqueue(sse.shellCommand(script, callId, { timeout_ms: 5000 }));
    const turnId = await startTurn(c, threadId);
    const ask = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
    assert.equal(ask.params.itemId, callId, `${callId} asks: no earlier bad answer granted anything`);
    check?.(ask.params);
    c.respond(ask.id, { decision: bad });
    await assert.rejects(c.readUntilNotification('serverRequest/resolved', (p) => p.requestId === ask.id, 400), /timed out/);
    await c.request('turn/interrupt', { threadId, turnId });
    await c.readUntilNotification('serverRequest/resolved', (p) => p.requestId === ask.id);
    assert.equal((await completedItem(c, callId)).params.item.status, 'declined');
    assert.equal((await completedTurn(c, turnId)).params.turn.status, 'interrupted');
  }

  // Answers for requests that do not exist are dropped, whatever they say.
  c.respond('req-999999', { decision: 'accept' });
  c.respond(12345, { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['git'] } } });
  c.sendRaw(JSON.stringify({ id: 'req-424242', error: { code: -1, message: 'no' } }));
  // A prefix wider than the proposed ['git', 'status'] (it would allow every git command).
  await refuse('call_1', 'git status', { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['git'] } }, (p) => {
    assert.deepEqual(p.proposedExecpolicyAmendment, ['git', 'status']);
  });
  // The wider grant was not kept: `git log` still asks. An empty prefix would match everything.
  await refuse('call_2', 'git log', { acceptWithExecpolicyAmendment: { execpolicy_amendment: [] } });
  // Not a plain command (a redirection): judged whole, nothing can be proposed, so no amendment is valid.
  await refuse('call_3', `echo hi > ${marker}`, { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['echo', 'hi'] } }, (p) => {
    assert.equal(p.proposedExecpolicyAmendment, null);
    assert.deepEqual(p.availableDecisions, ['accept', 'cancel']);
  });
  // Malformed shapes.
  await refuse('call_4', 'git status', { acceptWithExecpolicyAmendment: { execpolicy_amendment: 'git status' } });
  await refuse('call_5', 'git status', 'yes');
  assert.equal(existsSync(marker), false);

  // Positive control: the proposed amendment is accepted, and then covers the next `git status`.
  mock.enqueue(sse.shellCommand('git status', 'call_ok', { timeout_ms: 5000 }), sse.shellCommand('git status -s', 'call_again', { timeout_ms: 5000 }), sse.message('done'));
  const turnId = await startTurn(c, threadId);
  const ask = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
  c.respond(ask.id, { decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['git', 'status'] } } });
  await completedItem(c, 'call_ok');
  await completedItem(c, 'call_again');
  await completedTurn(c, turnId);
  assert.equal(c.received.filter((m) => m.method === 'item/commandExecution/requestApproval').length, 6);
});

test('escalation is refused under never and under a granular policy without sandbox_approval, with codex\'s message and no item', async (t) => {
  const cases: [unknown, string][] = [
    ['never', 'approval policy is Never; reject command — you cannot ask for escalated permissions if the approval policy is Never'],
    [
      { granular: { sandbox_approval: false, rules: true, skill_approval: false, request_permissions: false, mcp_elicitations: false } },
      'approval policy is Granular(GranularApprovalConfig { sandbox_approval: false, rules: true, skill_approval: false, request_permissions: false, mcp_elicitations: false }); reject command — you cannot ask for escalated permissions if the approval policy is Granular(GranularApprovalConfig { sandbox_approval: false, rules: true, skill_approval: false, request_permissions: false, mcp_elicitations: false })',
    ],
  ];
  for (const [policy, message] of cases) {
    const { c, mock, work, threadId } = await setup(t, policy);
    const marker = path.join(work, 'refused.txt');
    mock.enqueue(sse.functionCall('shell_command', escalated(`touch ${marker}`, 'please'), 'call_esc'), sse.message('ok'));
    const turnId = await startTurn(c, threadId);
    await completedTurn(c, turnId);
    assert.deepEqual(toolOutputs((await mock.waitForRequests(2))[1]!.body).map((o) => o.output), [message]);
    assert.equal(existsSync(marker), false);
    assert.equal(c.received.some((m) => m.method === 'item/commandExecution/requestApproval'), false);
    assert.equal(c.received.some((m) => m.method === 'item/started' && (m.params as { item: Item }).item.type === 'commandExecution'), false);
  }
});

test('untrusted and granular(sandbox_approval) ask for an escalation too (reason = justification); approved, it leaves the sandbox', async (t) => {
  const granular = { granular: { sandbox_approval: true, rules: true, skill_approval: false, request_permissions: false, mcp_elicitations: false } };
  for (const policy of ['untrusted', granular]) {
    const { c, mock, work, threadId } = await setup(t, policy);
    const marker = path.join(work, 'escalated.txt');
    mock.enqueue(sse.functionCall('shell_command', escalated(`touch ${marker}`, 'why not', { prefix_rule: ['bash'] }), 'call_esc'), sse.message('ok'));
    const turnId = await startTurn(c, threadId);
    const ask = await c.readUntilServerRequest<ApprovalParams>('item/commandExecution/requestApproval');
    assert.equal(ask.params.reason, 'why not');
    assert.deepEqual(ask.params.proposedExecpolicyAmendment, ['touch', marker], 'a banned prefix_rule is not proposed');
    c.respond(ask.id, { decision: 'accept' });
    assert.equal((await completedItem(c, 'call_esc')).params.item.status, 'completed');
    await completedTurn(c, turnId);
    assert.equal(existsSync(marker), true);
  }
});

test('the shell tool offered to the model has codex\'s approval parameters', async (t) => {
  const { c, mock, threadId } = await setup(t);
  mock.enqueue(sse.message('hi'));
  await completedTurn(c, await startTurn(c, threadId));
  const tools = ((await mock.waitForRequests(1))[0]!.body!.tools ?? []) as { name?: string; parameters?: { properties: Record<string, unknown> } }[];
  const shell = tools.find((x) => x.name === 'shell_command');
  assert.ok(shell, 'shell_command is offered');
  const props = shell.parameters!.properties;
  assert.deepEqual(props.sandbox_permissions, {
    type: 'string',
    description: 'Per-command sandbox override. Defaults to `use_default`; use `require_escalated` for unsandboxed execution.',
    enum: ['use_default', 'require_escalated'],
  });
  assert.deepEqual(props.justification, { type: 'string', description: 'User-facing approval question for `require_escalated`; omit otherwise.' });
  assert.deepEqual((props.prefix_rule as { items: unknown }).items, { type: 'string' });
});

test('turns carry rootTurnId (themselves) and itemsView: notLoaded on start, full on completion and in reads', async (t) => {
  const { c, mock, threadId } = await setup(t);
  mock.enqueue(sse.shellCommand('ls -la && git status', 'call_ls', { timeout_ms: 5000 }), sse.message('listed'));
  const res = await c.request<{ turn: { id: string; rootTurnId: string; itemsView: string; items: unknown[] } }>('turn/start', { threadId, input: [{ type: 'text', text: 'go' }] });
  assert.deepEqual([res.turn.rootTurnId, res.turn.itemsView, res.turn.items], [res.turn.id, 'notLoaded', []]);
  const started = await c.readUntilNotification<{ turn: { id: string; rootTurnId: string; itemsView: string } }>('turn/started');
  assert.deepEqual([started.params.turn.rootTurnId, started.params.turn.itemsView], [res.turn.id, 'notLoaded']);
  const done = await c.readUntilNotification<{ turn: { id: string; rootTurnId: string; itemsView: string; items: Item[] } }>('turn/completed');
  assert.deepEqual([done.params.turn.rootTurnId, done.params.turn.itemsView], [res.turn.id, 'full']);
  assert.deepEqual(done.params.turn.items.map((i) => i.type), ['userMessage', 'commandExecution', 'agentMessage']);
  const { thread } = await c.request<{ thread: { turns: { rootTurnId: string; itemsView: string; items: Item[] }[] } }>('thread/read', { threadId, includeTurns: true });
  assert.deepEqual([thread.turns[0]!.rootTurnId, thread.turns[0]!.itemsView], [res.turn.id, 'full']);
  const command = thread.turns[0]!.items.find((i) => i.type === 'commandExecution')!;
  assert.deepEqual([command.command, command.source, command.commandActions], ["bash -c 'ls -la && git status'", 'agent', [{ type: 'unknown', command: 'ls -la && git status' }]]);
});
