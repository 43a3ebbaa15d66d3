// The realtime conversation state machine (engine/realtime/conversation.ts; docs/realtime.md): handoff
// state for v1 and v2, the steering acknowledgement, the one-deep response.create queue, barge-in
// truncation, event → notification mapping, and the transitions that must do nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RealtimeEvent } from '../../server/engine/realtime/events';
import type { ServerNotification } from '../../server/protocol/notifications';
import type { RealtimeVersion } from '../../server/protocol/realtime';
import { RealtimeConversation } from '../../server/engine/realtime/conversation';

const PREFIX = '"Agent Final Message":\n\n';
const STEER_ACK = 'This was sent to steer the previous background agent task.';
const RESPONSE_CREATE = { type: 'response.create' };
const fco = (callId: string, text: string) => ({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output: PREFIX + text } });
const progress = (text: string) => ({
  type: 'conversation.item.create',
  item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `${text}\n\nUpdate from background agent (task hasn't finished yet):` }] },
});

/** The session's ports, recorded. */
function conversation(version: RealtimeVersion) {
  const sent: Record<string, unknown>[] = [];
  const published: ServerNotification[] = [];
  const routed: string[] = [];
  const failures: string[] = [];
  const conv = new RealtimeConversation(version, 'th1', {
    publish: (n) => published.push(n),
    send: (m) => sent.push(m as Record<string, unknown>),
    route: (text) => routed.push(text),
    fail: (message) => failures.push(message),
  });
  const handle = (...events: RealtimeEvent[]) => events.forEach((e) => conv.handle(e));
  return { conv, handle, sent, published, routed, failures };
}

const handoff = (handoffId: string, inputTranscript = 'do the thing'): RealtimeEvent => ({ kind: 'handoff', handoffId, itemId: `item_${handoffId}`, inputTranscript });
const audio = (itemId: string | null, samplesPerChannel = 480): RealtimeEvent => ({
  kind: 'audioOut',
  audio: { data: 'AAAA', sampleRate: 24000, numChannels: 1, samplesPerChannel, itemId },
});

test('v2 handoff: routed to the agent, progress for each message, then one final output and response.create', () => {
  const c = conversation('v2');
  c.handle(handoff('call_1', 'fix the build'));
  assert.deepEqual(c.routed, ['<realtime_delegation>\n  <input>fix the build</input>\n</realtime_delegation>']);
  assert.deepEqual(c.sent, [], 'the first call waits for the agent');
  assert.deepEqual(c.published, [
    {
      method: 'thread/realtime/itemAdded',
      params: { threadId: 'th1', item: { type: 'handoff_request', handoff_id: 'call_1', item_id: 'item_call_1', input_transcript: 'fix the build', active_transcript: [] } },
    },
  ]);

  c.conv.agentMessage('working on it');
  c.conv.agentMessage('done: build fixed');
  c.conv.turnCompleted();
  assert.deepEqual(c.sent, [progress('working on it'), progress('done: build fixed'), fco('call_1', 'done: build fixed'), RESPONSE_CREATE]);

  // The handoff is over: later agent output and completions go nowhere.
  c.conv.agentMessage('typed turn answer');
  c.conv.turnCompleted();
  assert.equal(c.sent.length, 4);
  assert.deepEqual(c.failures, []);
});

test('v2: a second call while a handoff is active is acknowledged at once, then steers; the final output answers the first call', () => {
  const c = conversation('v2');
  c.handle(handoff('call_active', 'start'), handoff('call_steer', 'steer it'));
  assert.deepEqual(c.sent, [fco('call_steer', STEER_ACK), RESPONSE_CREATE]);
  assert.equal(c.routed.length, 2, 'the steering text is still routed to the running turn');
  assert.match(c.routed[1]!, /steer it/);

  c.conv.agentMessage('result');
  c.handle({ kind: 'responseDone' });
  c.conv.turnCompleted();
  assert.deepEqual(c.sent.slice(2), [progress('result'), fco('call_active', 'result'), RESPONSE_CREATE]);
});

test('v2 response.create queue: one pending create while a response is active, flushed by response.done', () => {
  const c = conversation('v2');
  c.handle({ kind: 'responseCreated' }, handoff('call_1'), handoff('call_2'), handoff('call_3'));
  // Two steering acks, no response.create yet: the upstream's own response is active.
  assert.deepEqual(c.sent, [fco('call_2', STEER_ACK), fco('call_3', STEER_ACK)]);
  c.conv.agentMessage('answer');
  c.conv.turnCompleted();
  assert.deepEqual(c.sent.slice(2), [progress('answer'), fco('call_1', 'answer')], 'still queued');

  c.handle({ kind: 'responseDone' });
  assert.deepEqual(c.sent.slice(4), [RESPONSE_CREATE], 'three requests while active collapse into one create');
  // Our own create is active now: another done flushes nothing more.
  c.handle({ kind: 'responseDone' });
  c.handle({ kind: 'responseDone' });
  assert.equal(c.sent.length, 5);
});

test('v2: response.cancelled also ends the active response, flushes the queue, and is published as an item', () => {
  const c = conversation('v2');
  c.handle({ kind: 'responseCreated' }, handoff('call_1'), handoff('call_2'));
  assert.deepEqual(c.sent, [fco('call_2', STEER_ACK)]);
  c.handle({ kind: 'responseCancelled', responseId: 'resp_9' });
  assert.deepEqual(c.sent, [fco('call_2', STEER_ACK), RESPONSE_CREATE]);
  assert.deepEqual(c.published.at(-1), { method: 'thread/realtime/itemAdded', params: { threadId: 'th1', item: { type: 'response.cancelled', response_id: 'resp_9' } } });
});

test('the "already has an active response" error queues our create instead of failing; any other error fails', () => {
  const c = conversation('v2');
  c.handle({ kind: 'error', message: 'Conversation already has an active response in progress: resp_x' });
  assert.deepEqual(c.failures, []);
  assert.deepEqual(c.sent, []);
  c.handle(handoff('call_1'), handoff('call_2'));
  assert.deepEqual(c.sent, [fco('call_2', STEER_ACK)], 'a response counts as active after that error');
  c.handle({ kind: 'responseDone' });
  assert.deepEqual(c.sent.at(-1), RESPONSE_CREATE, 'the create the error refused goes out when that response ends');
  assert.equal(c.sent.length, 2);

  c.handle({ kind: 'error', message: 'upstream boom' });
  assert.deepEqual(c.failures, ['upstream boom']);
  assert.equal(c.published.filter((n) => n.method === 'thread/realtime/error').length, 0, 'the session, not the state machine, publishes the error');
});

test('v2: a turn that completes without any assistant message sends no output (realtime.md §8) and ends the handoff', () => {
  const c = conversation('v2');
  c.handle(handoff('call_1'));
  c.conv.turnCompleted();
  assert.deepEqual(c.sent, []);
  // The handoff is cleared: the next call starts a new one, no steering ack.
  c.handle(handoff('call_2'));
  assert.deepEqual(c.sent, []);
  c.conv.agentMessage('second');
  c.conv.turnCompleted();
  assert.deepEqual(c.sent, [progress('second'), fco('call_2', 'second'), RESPONSE_CREATE]);
});

test('v1: handoff.append per message to the active handoff, no function output or response.create, transcript handed over', () => {
  const c = conversation('v1');
  c.handle(
    { kind: 'transcriptDelta', role: 'user', delta: 'please ' },
    { kind: 'transcriptDelta', role: 'user', delta: 'delegate' },
    { kind: 'transcriptDelta', role: 'assistant', delta: 'sure' },
    { kind: 'transcriptDone', role: 'assistant', text: 'Sure thing.' },
    handoff('h1', ''),
  );
  const item = c.published.at(-1)!;
  assert.equal(item.method, 'thread/realtime/itemAdded');
  assert.deepEqual((item.params as { item: { active_transcript: unknown } }).item.active_transcript, [
    { role: 'user', text: 'please delegate' },
    { role: 'assistant', text: 'Sure thing.' },
  ]);
  // An empty input transcript falls back to the formatted transcript.
  assert.equal(
    c.routed[0],
    '<realtime_delegation>\n  <input>user: please delegate\nassistant: Sure thing.</input>\n  <transcript_delta>user: please delegate\nassistant: Sure thing.</transcript_delta>\n</realtime_delegation>',
  );

  c.conv.agentMessage('one');
  // v1: every handoff replaces the active one, without a steering ack; the transcript was taken.
  c.handle(handoff('h2', 'again'));
  assert.deepEqual((c.published.at(-1)!.params as { item: { active_transcript: unknown } }).item.active_transcript, []);
  c.conv.agentMessage('two');
  c.conv.turnCompleted();
  c.conv.agentMessage('after the end');
  assert.deepEqual(c.sent, [
    { type: 'conversation.handoff.append', handoff_id: 'h1', output_text: `${PREFIX}one` },
    { type: 'conversation.handoff.append', handoff_id: 'h2', output_text: `${PREFIX}two` },
  ]);
});

test('v2 does not keep a transcript: its handoff item carries an empty active_transcript', () => {
  const c = conversation('v2');
  c.handle({ kind: 'transcriptDelta', role: 'user', delta: 'hello' }, handoff('call_1', ''));
  assert.deepEqual((c.published.at(-1)!.params as { item: { active_transcript: unknown } }).item.active_transcript, []);
  assert.equal(c.routed[0], '<realtime_delegation>\n  <input></input>\n</realtime_delegation>');
});

test('barge-in (v2): speech over playing audio truncates that item at the audio played so far, once', () => {
  const c = conversation('v2');
  c.handle(audio('item_a', 480), audio('item_a', 480), audio('item_a', 240));
  c.handle({ kind: 'speechStarted', itemId: null });
  assert.deepEqual(c.sent, [{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 50 }]);
  assert.deepEqual(c.published.at(-1), { method: 'thread/realtime/itemAdded', params: { threadId: 'th1', item: { type: 'input_audio_buffer.speech_started', item_id: null } } });
  c.handle({ kind: 'speechStarted', itemId: null });
  assert.equal(c.sent.length, 1, 'nothing is playing any more');

  // A new item restarts the count.
  c.handle(audio('item_b', 240), { kind: 'speechStarted', itemId: 'item_b' });
  assert.deepEqual(c.sent.at(-1), { type: 'conversation.item.truncate', item_id: 'item_b', content_index: 0, audio_end_ms: 10 });
});

test('barge-in does nothing when not playing, for another item, for untracked audio, or in v1', () => {
  const idle = conversation('v2');
  idle.handle({ kind: 'speechStarted', itemId: null });
  assert.deepEqual(idle.sent, []);

  const otherItem = conversation('v2');
  otherItem.handle(audio('item_a'), { kind: 'speechStarted', itemId: 'item_other' });
  assert.deepEqual(otherItem.sent, []);

  const finished = conversation('v2');
  finished.handle(audio('item_a'), { kind: 'responseDone' }, { kind: 'speechStarted', itemId: null });
  assert.deepEqual(finished.sent, [], 'the response ended: playback is over');

  const untracked = conversation('v2');
  untracked.handle(audio(null), { kind: 'speechStarted', itemId: null });
  assert.deepEqual(untracked.sent, []);

  const v1 = conversation('v1');
  v1.handle(audio('item_a'), { kind: 'speechStarted', itemId: null });
  assert.deepEqual(v1.sent, []);
  assert.equal(v1.published.at(-1)!.method, 'thread/realtime/itemAdded', 'the speech event is still published');
});

test('upstream events map to notifications: audio, both transcript names, done, items; session.updated is silent', () => {
  const c = conversation('v2');
  c.handle(
    { kind: 'sessionUpdated', sessionId: 's' },
    audio('item_a'),
    { kind: 'transcriptDelta', role: 'assistant', delta: 'Hi' },
    { kind: 'transcriptDone', role: 'assistant', text: 'Hi there' },
    { kind: 'itemAdded', item: { type: 'message' } },
  );
  assert.deepEqual(c.published, [
    { method: 'thread/realtime/outputAudio/delta', params: { threadId: 'th1', audio: { data: 'AAAA', sampleRate: 24000, numChannels: 1, samplesPerChannel: 480, itemId: 'item_a' } } },
    { method: 'thread/realtime/transcriptUpdated', params: { threadId: 'th1', role: 'assistant', text: 'Hi' } },
    { method: 'thread/realtime/transcript/delta', params: { threadId: 'th1', role: 'assistant', delta: 'Hi' } },
    { method: 'thread/realtime/transcript/done', params: { threadId: 'th1', role: 'assistant', text: 'Hi there' } },
    { method: 'thread/realtime/itemAdded', params: { threadId: 'th1', item: { type: 'message' } } },
  ]);
  assert.deepEqual(c.sent, []);
  assert.deepEqual(c.failures, []);
});

test('transitions with nothing to act on send nothing: done/cancel with no response, completion or output with no handoff', () => {
  for (const version of ['v1', 'v2'] as const) {
    const c = conversation(version);
    c.handle({ kind: 'responseDone' }, { kind: 'responseCancelled', responseId: null });
    c.conv.turnCompleted();
    c.conv.agentMessage('no handoff');
    c.conv.turnCompleted();
    assert.deepEqual(c.sent, [], version);
    assert.deepEqual(c.routed, [], version);
    assert.deepEqual(c.failures, [], version);
  }
});

test('a client-reported barge-in (WebRTC) truncates at the played-out position; v1 cannot; respond asks through the queue', () => {
  const v2 = conversation('v2');
  assert.equal(v2.conv.truncate('item_a', 1234.7), true);
  assert.deepEqual(v2.sent, [{ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 1234 }]);
  assert.equal(v2.conv.truncate('item_b', -5), true);
  assert.deepEqual(v2.sent.at(-1), { type: 'conversation.item.truncate', item_id: 'item_b', content_index: 0, audio_end_ms: 0 });
  // respond(): response.create, held while a response is active.
  v2.handle({ kind: 'responseCreated' });
  v2.conv.respond();
  assert.equal(v2.sent.length, 2, 'held while a response is active');
  v2.handle({ kind: 'responseDone' });
  assert.deepEqual(v2.sent.at(-1), RESPONSE_CREATE);

  const v1 = conversation('v1');
  assert.equal(v1.conv.truncate('item_a', 100), false);
  assert.deepEqual(v1.sent, []);
});

test('completed transcript segments reach the transcript port once each, blank ones never; deltas never', () => {
  const kept: [string, string, string | null][] = [];
  const conv = new RealtimeConversation('v2', 'th1', {
    publish: () => {},
    send: () => {},
    route: () => {},
    fail: () => {},
    transcript: (role, text, itemId) => kept.push([role, text, itemId]),
  });
  conv.handle({ kind: 'transcriptDelta', role: 'user', delta: 'Hel' });
  conv.handle({ kind: 'transcriptDone', role: 'user', text: 'Hello', itemId: 'item_u' });
  conv.handle({ kind: 'transcriptDone', role: 'assistant', text: '  ', itemId: 'item_a' });
  conv.handle({ kind: 'transcriptDone', role: 'assistant', text: 'Hi' });
  assert.deepEqual(kept, [
    ['user', 'Hello', 'item_u'],
    ['assistant', 'Hi', null],
  ]);
});
