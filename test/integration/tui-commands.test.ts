// What the Codex TUI's commands call, against the real server and a mock Responses upstream: /compact
// (thread/compact/start), `!cmd` (thread/shellCommand), /review (review/start), the title thread's config overrides
// and outputSchema, and thread/list leaving out threads with neither a user message nor a name. The notification
// order and the upstream requests asserted here are the ones the reference app-server 0.169 produces for the same
// calls (docs/protocol.md#compaction, #user-shell-commands, #review, #thread-config-overrides).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { mockProviderConfig } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer, type RecordedRequest } from '../../testkit/mock-responses-server';
import { createGate, sse } from '../../testkit/responses-sse';
import { stdioServer } from '../support/fixtures';
import type { StdioClient } from '../support/server-process';

interface Item {
  type: string;
  id: string;
  text?: string;
  review?: string;
  command?: string;
  aggregatedOutput?: string | null;
  exitCode?: number | null;
  status?: string;
  [k: string]: unknown;
}
interface Turn {
  id: string;
  status: string;
  items: Item[];
  error: { message: string } | null;
}
interface Notification {
  method: string;
  params: Record<string, unknown>;
}
type Input = { type: string; role?: string; content?: { type: string; text?: string }[]; [k: string]: unknown }[];

async function setup(t: TestContext, opts: { approvalPolicy?: string } = {}) {
  const mock: MockResponsesServer = await startMockResponsesServer();
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-cmds-'));
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-cmds-work-'));
  writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url, approvalPolicy: opts.approvalPolicy }));
  t.after(async () => {
    await mock.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });
  const c = stdioServer(t, home);
  await c.initialize({ experimentalApi: true });
  const { thread } = await c.request<{ thread: { id: string } }>('thread/start', { cwd: work });
  return { mock, home, work, c, threadId: thread.id };
}

const texts = (input: Input): string[] =>
  input.filter((i) => i.type === 'message').map((i) => `${String(i.role)}: ${(i.content ?? []).map((c) => c.text ?? '').join('')}`);
const inputOf = (r: RecordedRequest): Input => (r.body?.input ?? []) as Input;
const toolNames = (r: RecordedRequest): string[] => ((r.body?.tools ?? []) as { name?: string; type: string }[]).map((x) => x.name ?? x.type);

/** How many notifications the client has received: where the next call's notifications start. */
const mark = (c: StdioClient): number => c.notificationsSeen().length;

/** The notifications since `from` up to the turn/completed of a turn (any turn, unless `turnId`). */
async function untilTurnCompleted(c: StdioClient, from: number, turnId?: string): Promise<{ seen: Notification[]; turn: Turn }> {
  const done = await c.readUntilNotification<{ turn: Turn }>('turn/completed', (p) => !turnId || p.turn.id === turnId);
  const seen = c.notificationsSeen().slice(from);
  return { seen: seen.slice(0, seen.findIndex((n) => n.method === 'turn/completed' && (n.params as { turn: Turn }).turn.id === done.params.turn.id) + 1), turn: done.params.turn };
}

async function runTurn(c: StdioClient, threadId: string, text: string): Promise<Turn> {
  const from = mark(c);
  const { turn } = await c.request<{ turn: { id: string } }>('turn/start', { threadId, input: [{ type: 'text', text }] });
  return (await untilTurnCompleted(c, from, turn.id)).turn;
}

const itemEvents = (seen: Notification[]) =>
  seen.filter((n) => n.method === 'item/started' || n.method === 'item/completed').map((n) => `${n.method} ${(n.params.item as Item).type}`);

test('thread/compact/start: the model summarizes with no tools; the next request carries the user messages and the summary, not the old answers', async (t) => {
  const { mock, c, threadId } = await setup(t);
  mock.enqueue(sse.message('The capital is Paris.'));
  await runTurn(c, threadId, 'What is the capital of France?');

  mock.enqueue(sse.message('SUMMARY: the user asked for the capital of France; answered Paris.'));
  const from = mark(c);
  assert.deepEqual(await c.request('thread/compact/start', { threadId }), {});
  const { seen, turn } = await untilTurnCompleted(c, from);
  assert.equal(turn.status, 'completed');
  assert.deepEqual(itemEvents(seen), ['item/started contextCompaction', 'item/completed contextCompaction']);
  assert.ok(!seen.some((n) => n.method === 'item/agentMessage/delta'), 'the summary is not streamed as an answer');

  const [, compaction] = await mock.waitForRequests(2);
  assert.deepEqual(toolNames(compaction!), [], 'a compaction request offers no tools');
  const lastInput = texts(inputOf(compaction!)).at(-1)!;
  assert.match(lastInput, /^user: You are compacting this conversation/);
  assert.ok(texts(inputOf(compaction!)).includes('assistant: The capital is Paris.'), 'the model summarizes the whole conversation');

  mock.enqueue(sse.message('Lyon is the third city.'));
  await runTurn(c, threadId, 'And Lyon?');
  const next = (await mock.waitForRequests(3))[2]!;
  const history = texts(inputOf(next));
  assert.deepEqual(history, [
    'user: What is the capital of France?',
    `user: The conversation so far was compacted. Here is the handoff summary written from it; continue the work from here, using it and the messages above:\nSUMMARY: the user asked for the capital of France; answered Paris.`,
    'user: And Lyon?',
  ]);
  assert.ok(toolNames(next).includes('shell_command'), 'tools are back for ordinary turns');

  // The compaction survives a restart: the history is rebuilt from the rollout the same way.
  const read = await c.request<{ thread: { turns: Turn[] } }>('thread/read', { threadId, includeTurns: true });
  assert.deepEqual(read.thread.turns.map((x) => x.items.map((i) => i.type)), [['userMessage', 'agentMessage'], ['contextCompaction'], ['userMessage', 'agentMessage']]);

  // Bad input: an unknown thread, a second compaction while a turn runs.
  assert.equal((await c.requestError('thread/compact/start', { threadId: 'nope' })).code, -32600);
  assert.equal((await c.requestError('thread/compact/start', {})).code, -32602);
});

test('thread/compact/start: an upstream failure fails the turn and leaves the history as it was', async (t) => {
  const { mock, c, threadId } = await setup(t);
  mock.enqueue(sse.message('first answer'));
  await runTurn(c, threadId, 'first question');
  mock.enqueue(sse.failed('server_error', 'upstream broke'));
  const from = mark(c);
  await c.request('thread/compact/start', { threadId });
  const { turn } = await untilTurnCompleted(c, from);
  assert.equal(turn.status, 'failed');
  mock.enqueue(sse.message('second answer'));
  await runTurn(c, threadId, 'second question');
  const history = texts(inputOf((await mock.waitForRequests(3))[2]!));
  assert.deepEqual(history, ['user: first question', 'assistant: first answer', 'user: second question']);
});

test('thread/shellCommand: the user’s command runs outside the sandbox as its own turn, and the next request knows its output', async (t) => {
  const { mock, c, threadId, work } = await setup(t);
  // Read-only sandbox: a model's command could not write here; the user's own command can.
  let from = mark(c);
  assert.deepEqual(await c.request('thread/shellCommand', { threadId, command: 'echo hi | tr a-z A-Z && echo made > made.txt && cat made.txt' }), {});
  const { seen, turn } = await untilTurnCompleted(c, from);
  assert.equal(turn.status, 'completed');
  assert.deepEqual(itemEvents(seen), ['item/started commandExecution', 'item/completed commandExecution']);
  const done = seen.find((n) => n.method === 'item/completed')!.params.item as Item;
  assert.equal(done.command, "bash -c 'echo hi | tr a-z A-Z && echo made > made.txt && cat made.txt'");
  assert.equal(done.source, 'userShell');
  assert.deepEqual(done.commandActions, [{ type: 'unknown', command: 'echo hi | tr a-z A-Z && echo made > made.txt && cat made.txt' }]);
  assert.equal(done.cwd, work);
  assert.equal(done.aggregatedOutput, 'HI\nmade\n');
  assert.equal(done.exitCode, 0);
  assert.equal(done.status, 'completed');
  assert.ok(seen.some((n) => n.method === 'item/commandExecution/outputDelta'), 'output streams while the command runs');

  mock.enqueue(sse.message('I see you ran a command.'));
  await runTurn(c, threadId, 'what did I run?');
  const history = texts(inputOf((await mock.waitForRequests(1))[0]!));
  assert.match(history[0]!, /^user: <user_shell_command>\n<command>\necho hi \| tr a-z A-Z && echo made > made.txt && cat made.txt\n<\/command>\n<result>\nExit code: 0\nDuration: \d+\.\d{4} seconds\nOutput:\nHI\nmade\n\n<\/result>\n<\/user_shell_command>$/);

  // A failing command is a completed turn with a failed item; a timeout of 0 times out at once.
  from = mark(c);
  await c.request('thread/shellCommand', { threadId, command: 'exit 3' });
  const failed = await untilTurnCompleted(c, from);
  assert.equal((failed.seen.findLast((n) => n.method === 'item/completed')!.params.item as Item).exitCode, 3);
  from = mark(c);
  await c.request('thread/shellCommand', { threadId, command: 'sleep 5', timeoutMs: 0 });
  const timedOut = await untilTurnCompleted(c, from);
  assert.equal((timedOut.seen.findLast((n) => n.method === 'item/completed')!.params.item as Item).exitCode, 124);

  // Bad input.
  assert.deepEqual(await c.requestError('thread/shellCommand', { threadId, command: '  ' }), { code: -32600, message: 'command must not be empty' });
  assert.equal((await c.requestError('thread/shellCommand', { threadId, command: 'true', timeoutMs: -1 })).code, -32602);
  assert.equal((await c.requestError('thread/shellCommand', { threadId: 'nope', command: 'true' })).code, -32600);
});

test('review/start: a review conversation of its own, JSON findings shown as text, and the thread remembers the review', async (t) => {
  const { mock, c, threadId } = await setup(t);
  mock.enqueue(sse.message('Hello there.'));
  await runTurn(c, threadId, 'hello');

  const findings = {
    findings: [{ title: 'Off-by-one in loop', body: 'The loop skips the last element.', confidence_score: 0.8, priority: 1, code_location: { absolute_file_path: '/w/a.ts', line_range: { start: 3, end: 4 } } }],
    overall_correctness: 'patch is incorrect',
    overall_explanation: 'One bug.',
    overall_confidence_score: 0.7,
  };
  mock.enqueue(sse.shellCommand('git status', 'call-review-1'), sse.message(JSON.stringify(findings)));
  let from = mark(c);
  const res = await c.request<{ turn: Turn; reviewThreadId: string }>('review/start', { threadId, target: { type: 'custom', instructions: 'check the loop' } });
  assert.equal(res.reviewThreadId, threadId);
  assert.deepEqual(res.turn.items.map((i) => [i.type, i.type === 'userMessage' ? (i.content as { text: string }[])[0]!.text : null]), [['userMessage', 'check the loop']]);
  const { seen, turn } = await untilTurnCompleted(c, from, res.turn.id);
  assert.equal(turn.status, 'completed');
  assert.deepEqual(itemEvents(seen), [
    'item/started enteredReviewMode',
    'item/completed enteredReviewMode',
    'item/started userMessage',
    'item/completed userMessage',
    'item/started commandExecution',
    'item/completed commandExecution',
    'item/started exitedReviewMode',
    'item/completed exitedReviewMode',
    'item/started agentMessage',
    'item/completed agentMessage',
  ]);
  assert.ok(!seen.some((n) => n.method === 'item/agentMessage/delta'), 'the raw JSON answer is not streamed');
  const exited = seen.find((n) => n.method === 'item/completed' && (n.params.item as Item).type === 'exitedReviewMode')!.params.item as Item;
  assert.equal(exited.review, 'One bug.\n\nReview comment:\n\n- [P1] Off-by-one in loop — /w/a.ts:3-4\n  The loop skips the last element.');

  const requests = await mock.waitForRequests(3);
  const review = requests[1]!;
  assert.match(String(review.body?.instructions), /^You are reviewing a code change/);
  assert.deepEqual(texts(inputOf(review)), ['user: check the loop'], 'the review does not see the thread’s conversation');
  assert.ok(toolNames(review).includes('shell_command'));
  // The reviewer's tool call and its output stay in the review's own conversation.
  assert.ok(inputOf(requests[2]!).some((i) => i.type === 'function_call_output'));

  mock.enqueue(sse.message('Will fix.'));
  await runTurn(c, threadId, 'fix it');
  const after = texts(inputOf((await mock.waitForRequests(4))[3]!));
  assert.equal(after.length, 4);
  assert.deepEqual(after.slice(0, 2), ['user: hello', 'assistant: Hello there.']);
  assert.match(after[2]!, /^user: <user_action>\n<context>The user ran a code review \(check the loop\) in this thread.<\/context>\n<results>\nOne bug\./);
  assert.ok(!after.some((x) => x.includes('"findings"')), 'the raw JSON is not in the thread’s conversation');

  // Other targets and bad input.
  mock.enqueue(sse.message('Not JSON at all.'));
  from = mark(c);
  const r2 = await c.request<{ turn: Turn }>('review/start', { threadId, target: { type: 'uncommittedChanges' } });
  const second = await untilTurnCompleted(c, from, r2.turn.id);
  const entered = second.seen.find((n) => (n.params.item as Item | undefined)?.type === 'enteredReviewMode')!.params.item as Item;
  assert.equal(entered.review, 'current changes');
  assert.equal((second.seen.findLast((n) => (n.params.item as Item | undefined)?.type === 'exitedReviewMode')!.params.item as Item).review, 'Not JSON at all.');
  assert.equal((await c.requestError('review/start', { threadId, target: { type: 'bogus' } })).code, -32602);
  assert.equal((await c.requestError('review/start', { threadId, target: { type: 'custom', instructions: 'x' }, delivery: 'detached' })).code, -32602);
});

test('the TUI’s title thread: config turns the built-in tools off, outputSchema goes upstream as text.format', async (t) => {
  const { mock, c, work } = await setup(t);
  const config = { 'features.shell_tool': false, 'tools.update_plan.enabled': false, 'web_search': 'disabled', mcp_servers: {} };
  const { thread } = await c.request<{ thread: { id: string } }>('thread/start', { cwd: work, ephemeral: true, config, sandbox: 'read-only' });
  const schema = { type: 'object', properties: { title: { type: 'string', minLength: 1, maxLength: 36 } }, required: ['title'], additionalProperties: false };
  mock.enqueue(sse.message('{"title":"Say hello"}'));
  let from = mark(c);
  const { turn } = await c.request<{ turn: { id: string } }>('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'title please' }], outputSchema: schema });
  await untilTurnCompleted(c, from, turn.id);
  const [req] = await mock.waitForRequests(1);
  assert.deepEqual(toolNames(req!), []);
  assert.deepEqual(req!.body?.text, { format: { type: 'json_schema', strict: true, schema, name: 'codex_output_schema' } });

  // A model that calls a tool the thread does not offer gets "unsupported call", nothing runs.
  mock.enqueue(sse.shellCommand('touch should-not-exist', 'call-x'), sse.message('ok'));
  from = mark(c);
  const second = await c.request<{ turn: { id: string } }>('turn/start', { threadId: thread.id, input: [{ type: 'text', text: 'again' }] });
  const { seen } = await untilTurnCompleted(c, from, second.turn.id);
  assert.ok(!seen.some((n) => n.method === 'item/started' && (n.params.item as Item).type === 'commandExecution'));
  const followUp = (await mock.waitForRequests(3))[2]!;
  assert.equal(followUp.body?.text, undefined, 'outputSchema is per turn');
  assert.ok(inputOf(followUp).some((i) => i.type === 'function_call_output' && i.output === 'unsupported call: shell_command'));

  // Only update_plan off: shell stays.
  const { thread: t2 } = await c.request<{ thread: { id: string } }>('thread/start', { cwd: work, config: { tools: { update_plan: { enabled: false } } } });
  mock.enqueue(sse.message('ok'));
  await runTurn(c, t2.id, 'hi');
  assert.deepEqual(toolNames((await mock.waitForRequests(4))[3]!), ['shell_command', 'apply_patch']);

  assert.deepEqual(await c.requestError('thread/start', { cwd: work, config: { 'features.shell_tool': 'no' } }), {
    code: -32600,
    message: 'config.features.shell_tool must be a boolean, got "no"',
  });
  assert.equal((await c.requestError('turn/start', { threadId: t2.id, input: [], outputSchema: 'not an object' })).code, -32602);
});

test('thread/list leaves out threads with neither a user message nor a name', async (t) => {
  const { mock, c, threadId, work } = await setup(t);
  const listed = async () => (await c.request<{ data: { id: string }[] }>('thread/list', {})).data.map((x) => x.id);
  assert.deepEqual(await listed(), [], 'a thread nobody wrote in is not listed');
  const { thread: named } = await c.request<{ thread: { id: string } }>('thread/start', { cwd: work });
  await c.request('thread/name/set', { threadId: named.id, name: 'Named but empty' });
  assert.deepEqual(await listed(), [named.id]);
  mock.enqueue(sse.message('hi'));
  await runTurn(c, threadId, 'first message');
  assert.deepEqual((await listed()).sort(), [named.id, threadId].sort());
  // Still readable and resumable by id.
  assert.equal((await c.request<{ thread: { id: string } }>('thread/read', { threadId: named.id })).thread.id, named.id);
});

test('compaction and review turns refuse turn/steer (activeTurnNotSteerable), and turn/start, until they end', async (t) => {
  const { mock, c, threadId } = await setup(t);
  mock.enqueue(sse.message('first'));
  const firstTurn = await runTurn(c, threadId, 'first');
  const gate = createGate();
  mock.enqueue({ ...sse.message('summary'), gate: { afterEvents: 1, wait: gate.promise } });
  const from = mark(c);
  await c.request('thread/compact/start', { threadId });
  const started = await c.readUntilNotification<{ turn: { id: string } }>('turn/started', (p) => p.turn.id !== firstTurn.id);
  await mock.waitForRequests(2);
  const steer = await c.requestError('turn/steer', { threadId, expectedTurnId: started.params.turn.id, input: [{ type: 'text', text: 'more' }] });
  assert.deepEqual(steer, { code: -32600, message: 'cannot steer a compact turn', data: { codexErrorInfo: { activeTurnNotSteerable: { turnKind: 'compact' } } } });
  assert.equal((await c.requestError('turn/start', { threadId, input: [{ type: 'text', text: 'x' }] })).code, -32600);
  assert.equal((await c.requestError('thread/compact/start', { threadId })).code, -32600);
  gate.open();
  const { turn } = await untilTurnCompleted(c, from, started.params.turn.id);
  assert.equal(turn.status, 'completed');
});
