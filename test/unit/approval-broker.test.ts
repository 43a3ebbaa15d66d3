// The approval broker (services/turns/approvals.ts) over a real (ephemeral) ThreadHandle, wired the way
// services.ts wires it: ask, answer, cancel, acceptForSession, a second answer ignored, a pending request
// offered again to whoever subscribes next. Subscribers are test clients whose answers the test controls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerNotification } from '../../server/protocol/notifications';
import type { Subscriber } from '../../server/services/event-hub';
import { ThreadHandle } from '../../server/services/threads/handle';
import type { ThreadSettings } from '../../server/services/threads/settings';
import { ApprovalBroker } from '../../server/services/turns/approvals';

const SETTINGS: ThreadSettings = {
  model: 'm',
  modelProvider: 'p',
  cwd: '/w',
  approvalPolicy: 'untrusted',
  sandbox: 'read-only',
  reasoningEffort: null,
  baseInstructions: null,
  developerInstructions: null,
  dynamicTools: [],
};

function handle(id: string): ThreadHandle {
  const now = Date.now();
  const row = { id, name: null, preview: '', title: '', cwd: '/w', model: 'm', modelProvider: 'p', source: 'appServer', cliVersion: '0', gitInfo: null, forkedFromId: null, createdAt: now, updatedAt: now, archived: false, archivedAt: null };
  // Ephemeral: the handle keeps its rollout in memory and never touches its db/writer deps.
  return new ThreadHandle({ db: null as never, writer: null as never }, row, true, SETTINGS, 0);
}

/** What services.ts does: a resolved request is announced on the thread as serverRequest/resolved. */
function broker(): ApprovalBroker {
  return new ApprovalBroker((thread, requestId) => thread.emit({ method: 'serverRequest/resolved', params: { threadId: thread.id, requestId } }));
}

interface Asked {
  id: string | number;
  method: string;
  params: unknown;
  answer(result: unknown): void;
  /** The connection went away (or answered with a JSON-RPC error). */
  fail(): void;
}

/** A client connection that can take server requests; it records what it was asked and what it heard. */
class Client implements Subscriber {
  readonly asked: Asked[] = [];
  readonly heard: ServerNotification[] = [];
  constructor(readonly id: string) {}
  notify(n: ServerNotification): void {
    this.heard.push(n);
  }
  request(id: string | number, method: string, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => this.asked.push({ id, method, params, answer: resolve, fail: () => reject(new Error('closed')) }));
  }
  resolvedIds(): string[] {
    return this.heard.flatMap((n) => (n.method === 'serverRequest/resolved' ? [String(n.params.requestId)] : []));
  }
}

const flush = () => new Promise<void>((r) => setImmediate(r));
const PARAMS = { itemId: 'call_1', command: 'rm -rf build', cwd: '/w', reason: null };

test('ask goes to every subscriber that can answer; the first valid answer wins and is announced once', async () => {
  const thread = handle('t1');
  const a = new Client('a');
  const b = new Client('b');
  const observer: Subscriber & { heard: ServerNotification[] } = { id: 'obs', heard: [], notify(n) { this.heard.push(n); } };
  thread.addSubscriber(a);
  thread.addSubscriber(b);
  thread.addSubscriber(observer);
  const approvals = broker();

  const { id, decision } = approvals.ask(thread, 'turn1', 'item/commandExecution/requestApproval', PARAMS);
  assert.deepEqual(a.asked.map((x) => [x.id, x.method, x.params]), [[id, 'item/commandExecution/requestApproval', PARAMS]]);
  assert.deepEqual(b.asked.map((x) => x.id), [id]);

  b.asked[0]!.answer({ decision: 'decline' });
  assert.equal(await decision, 'decline');
  // The loser answers later: ignored, no second resolved.
  a.asked[0]!.answer({ decision: 'accept' });
  await flush();
  assert.equal(await decision, 'decline');
  assert.equal(approvals.answer(id, { decision: 'accept' }), false, 'a settled request takes no more answers');
  for (const s of [a, b, observer]) {
    assert.deepEqual(s.heard.filter((n) => n.method === 'serverRequest/resolved').map((n) => n.params), [{ threadId: 't1', requestId: id }]);
  }
});

test('each request gets its own id; a malformed answer is ignored and the request keeps waiting', async () => {
  const thread = handle('t1');
  const a = new Client('a');
  thread.addSubscriber(a);
  const approvals = broker();
  const first = approvals.ask(thread, 'turn1', 'item/commandExecution/requestApproval', PARAMS);
  const second = approvals.ask(thread, 'turn1', 'item/fileChange/requestApproval', { itemId: 'p1' });
  assert.notEqual(first.id, second.id);

  a.asked[0]!.answer({ decision: 'yes please' });
  assert.equal(approvals.answer(first.id, { nope: true }), false);
  await flush();
  assert.deepEqual(a.resolvedIds(), [], 'nothing resolved by malformed answers');

  // The browser's path (turn.respond over tRPC) answers by id.
  assert.equal(approvals.answer(first.id, { decision: 'accept' }), true);
  assert.equal(await first.decision, 'accept');
  assert.equal(approvals.answer('req-unknown', { decision: 'accept' }), false);
  a.asked[1]!.answer({ decision: 'cancel' });
  assert.equal(await second.decision, 'cancel');
  assert.deepEqual(a.resolvedIds(), [first.id, second.id]);
});

test('acceptForSession comes through as itself; amendment answers mean accept; the handle remembers the session approval', async () => {
  const thread = handle('t1');
  const a = new Client('a');
  thread.addSubscriber(a);
  const approvals = broker();

  const forSession = approvals.ask(thread, 'turn1', 'item/commandExecution/requestApproval', PARAMS);
  a.asked[0]!.answer({ decision: 'acceptForSession' });
  assert.equal(await forSession.decision, 'acceptForSession');
  // What turns/tools.ts does with it: the same command is not asked again in this thread.
  assert.equal(thread.isApprovedForSession(PARAMS.command), false);
  thread.approveForSession(PARAMS.command);
  assert.equal(thread.isApprovedForSession(PARAMS.command), true);
  assert.equal(thread.isApprovedForSession('rm -rf /'), false);
  assert.equal(handle('t2').isApprovedForSession(PARAMS.command), false, 'session approvals are per thread');

  const amended = approvals.ask(thread, 'turn1', 'item/commandExecution/requestApproval', PARAMS);
  a.asked[1]!.answer({ decision: { acceptWithExecpolicyAmendment: { command: ['ls'] } } });
  assert.equal(await amended.decision, 'accept');
});

test('if the asking connection goes away, the request waits and goes to the next subscriber', async () => {
  const thread = handle('t1');
  const gone = new Client('gone');
  thread.addSubscriber(gone);
  const approvals = broker();
  const { id, decision } = approvals.ask(thread, 'turn1', 'item/commandExecution/requestApproval', PARAMS);
  gone.asked[0]!.fail();
  thread.removeSubscriber(gone);
  await flush();

  let settled = false;
  void decision.then(() => (settled = true));
  await flush();
  assert.equal(settled, false, 'a failed send does not settle the request');

  // A browser reconnects: the registry calls offerPending for the new subscriber (services.ts wiring).
  const next = new Client('next');
  thread.addSubscriber(next);
  approvals.offerPending(thread, next);
  assert.deepEqual(next.asked.map((x) => [x.id, x.params]), [[id, PARAMS]]);
  // Offering again does not ask the same subscriber twice while it has the request.
  approvals.offerPending(thread, next);
  assert.equal(next.asked.length, 1);
  // A subscriber of another thread is not offered this thread's requests.
  const elsewhere = new Client('elsewhere');
  approvals.offerPending(handle('t2'), elsewhere);
  assert.equal(elsewhere.asked.length, 0);

  next.asked[0]!.answer({ decision: 'accept' });
  assert.equal(await decision, 'accept');
  assert.deepEqual(next.resolvedIds(), [id]);
  // Once resolved, nothing is offered any more.
  const late = new Client('late');
  approvals.offerPending(thread, late);
  assert.equal(late.asked.length, 0);
});

test('a subscriber whose earlier send failed is asked again when offered', async () => {
  const thread = handle('t1');
  const flaky = new Client('flaky');
  thread.addSubscriber(flaky);
  const approvals = broker();
  const { id, decision } = approvals.ask(thread, 'turn1', 'item/commandExecution/requestApproval', PARAMS);
  flaky.asked[0]!.fail();
  await flush();
  approvals.offerPending(thread, flaky);
  assert.deepEqual(flaky.asked.map((x) => x.id), [id, id]);
  flaky.asked[1]!.answer({ decision: 'decline' });
  assert.equal(await decision, 'decline');
});

test('cancelTurn ends that turn\'s requests with "cancel" (announced), and only that turn\'s', async () => {
  const thread = handle('t1');
  const a = new Client('a');
  thread.addSubscriber(a);
  const approvals = broker();
  const mine = approvals.ask(thread, 'turn1', 'item/commandExecution/requestApproval', PARAMS);
  const mine2 = approvals.ask(thread, 'turn1', 'item/fileChange/requestApproval', { itemId: 'p1' });
  const other = approvals.ask(thread, 'turn2', 'item/commandExecution/requestApproval', PARAMS);

  approvals.cancelTurn('turn1');
  assert.equal(await mine.decision, 'cancel');
  assert.equal(await mine2.decision, 'cancel');
  assert.deepEqual(a.resolvedIds(), [mine.id, mine2.id]);
  // An answer arriving after the cancel changes nothing.
  a.asked[0]!.answer({ decision: 'accept' });
  await flush();
  assert.equal(await mine.decision, 'cancel');
  assert.equal(approvals.answer(mine.id, { decision: 'accept' }), false);
  approvals.cancelTurn('turn1');
  assert.deepEqual(a.resolvedIds(), [mine.id, mine2.id], 'cancelling twice announces nothing more');

  assert.equal(approvals.answer(other.id, { decision: 'accept' }), true);
  assert.equal(await other.decision, 'accept');
});

test('request<T>: a typed server request uses its own parser and its own cancel value', async () => {
  const thread = handle('t1');
  const a = new Client('a');
  thread.addSubscriber(a);
  const approvals = broker();
  const parse = (raw: unknown) => (typeof (raw as { output?: unknown })?.output === 'string' ? (raw as { output: string }).output : null);
  const call = approvals.request(thread, 'turn1', 'item/tool/call', { tool: 'lookup' }, parse, 'cancelled');
  assert.equal(a.asked[0]!.method, 'item/tool/call');
  assert.equal(approvals.answer(call.id, { decision: 'accept' }), false, 'an approval-shaped answer is not a tool result');
  assert.equal(approvals.answer(call.id, { output: '42' }), true);
  assert.equal(await call.result, '42');

  const cancelled = approvals.request(thread, 'turn1', 'item/tool/call', {}, parse, 'cancelled');
  approvals.cancelTurn('turn1');
  assert.equal(await cancelled.result, 'cancelled');
});
