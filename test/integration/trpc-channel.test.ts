// The browser's live channel (tRPC WebSocket subscription `thread.onEvents`) against the real `serve`
// process: what it streams must add up like /rpc's notifications do (docs/architecture.md#write-then-publish).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sse } from '../../testkit/responses-sse';
import { MessageFold, startThread, startTrpcServe, startTurn, TrpcSocket, type Tracked } from '../support/trpc-ws';

/** Final texts of the agent messages in `events`, by item id (what item/completed says). */
function finalsOf(events: Tracked[]): Map<string, string> {
  const finals = new Map<string, string>();
  for (const e of events) {
    if (e.data.type !== 'event') continue;
    const n = e.data.notification;
    if (n.method === 'item/completed' && n.params.item?.type === 'agentMessage') finals.set(n.params.item.id, n.params.item.text ?? '');
  }
  return finals;
}

test('streamed text on the tRPC channel: started text + deltas is the final text, live and replayed', async (t) => {
  const s = await startTrpcServe(t);
  const threadId = await startThread(s);
  const sock = await TrpcSocket.open(s);
  t.after(() => sock.close());
  sock.subscribe(1, 'thread.onEvents', { threadId });
  await sock.until(() => (sock.events.get(1)?.length ?? 0) > 0, 'the snapshot');

  const words = Array.from({ length: 300 }, (_, i) => `b${i}`);
  const text = `BROWSER ${words.join(' ')}.`;
  s.mock.enqueue(sse.message(text, { deltas: words.length }));
  const turnId = await startTurn(s, threadId, 'stream many deltas');
  await sock.turnCompleted(turnId);

  const live = sock.events.get(1)!;
  const finals = finalsOf(live);
  assert.deepEqual([...finals.values()], [text], 'one agent message with the scripted text');
  const deltas = sock.notifications(1).filter((n) => n.method === 'item/agentMessage/delta');
  assert.ok(deltas.length >= 100, `the message streamed in many deltas (${deltas.length})`);

  const fold = new MessageFold();
  for (const e of live) fold.apply(e, (id) => finals.get(id));
  assert.deepEqual(fold.problems, [], `live stream (${fold.problemCount} problems)`);
  assert.equal(fold.finals.get([...finals.keys()][0]!), text);

  // A reconnect that names the event before the message started replays it from the ring: the
  // replayed item/started must carry the text it had when published, not the final text.
  const started = live.findIndex((e) => e.data.type === 'event' && e.data.notification.method === 'item/started' && e.data.notification.params.item?.type === 'agentMessage');
  assert.ok(started > 0);
  sock.subscribe(2, 'thread.onEvents', { threadId }, live[started - 1]!.id);
  await sock.until(() => sock.notifications(2).some((n) => n.method === 'turn/completed'), 'the replayed turn/completed');
  const replayed = sock.events.get(2)!;
  assert.equal(replayed[0]!.data.type, 'event', 'a replay from the ring, not a snapshot');
  assert.equal(replayed[0]!.id, live[started]!.id, 'the replay starts right after the named event');
  const replayFold = new MessageFold();
  for (const e of replayed) replayFold.apply(e, (id) => finals.get(id));
  assert.deepEqual(replayFold.problems, [], `replayed stream (${replayFold.problemCount} problems)`);
  const throughCompleted = (events: Tracked[]) => events.slice(0, events.findIndex((e) => e.data.type === 'event' && e.data.notification.method === 'turn/completed') + 1).map((e) => e.id);
  assert.deepEqual(throughCompleted(replayed), throughCompleted(live.slice(started)), 'the replay is exactly the events after the named one');
});
