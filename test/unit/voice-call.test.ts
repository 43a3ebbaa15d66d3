// The pure parts of the browser's voice call (components/voice/): the messages a person reads and the live
// transcript's folding of deltas (docs/realtime.md#the-browsers-call).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HIGH_DEMAND_MESSAGE } from '../../server/engine/realtime/calls';
import { CLOSE_MESSAGES, describeRealtimeError } from '../../components/voice/messages';
import { addTranscript, TRANSCRIPT_LIMIT, type VoiceTranscriptEntry } from '../../components/voice/transcript';

test('server errors and close reasons read as sentences: busy, the cap, silence, an upstream close', () => {
  assert.equal(describeRealtimeError(HIGH_DEMAND_MESSAGE), 'The voice service is busy right now. Try again in a minute.');
  assert.equal(
    describeRealtimeError('realtime session ended: it reached the maximum duration of 60 s ([realtime] max_duration_s)'),
    'The call reached its time limit and was ended by the server.',
  );
  assert.equal(describeRealtimeError('realtime session ended: no activity for 600 s ([realtime] idle_timeout_s)'), 'The call was quiet for too long and was ended by the server.');
  assert.equal(describeRealtimeError('realtime conversation requires API key auth'), 'realtime conversation requires API key auth');
  assert.equal(CLOSE_MESSAGES.max_duration, 'The call reached its time limit and was ended by the server.');
  assert.equal(CLOSE_MESSAGES.transport_closed, 'The voice service ended the call.');
  assert.equal(CLOSE_MESSAGES.requested, null);
});

test('the live transcript: deltas grow the open entry of their role, done replaces its text, the list is bounded', () => {
  let id = 0;
  const next = () => ++id;
  let t: VoiceTranscriptEntry[] = [];
  t = addTranscript(t, 'user', 'Hel', false, next);
  t = addTranscript(t, 'assistant', 'Hi', false, next);
  t = addTranscript(t, 'user', 'lo', false, next);
  t = addTranscript(t, 'user', 'Hello.', true, next);
  t = addTranscript(t, 'user', 'Again', true, next);
  assert.deepEqual(t, [
    { id: 1, role: 'user', text: 'Hello.', final: true },
    { id: 2, role: 'assistant', text: 'Hi', final: false },
    { id: 3, role: 'user', text: 'Again', final: true },
  ]);
  for (let i = 0; i < TRANSCRIPT_LIMIT + 10; i += 1) t = addTranscript(t, 'user', `line ${i}`, true, next);
  assert.equal(t.length, TRANSCRIPT_LIMIT);
  assert.equal(t.at(-1)!.text, `line ${TRANSCRIPT_LIMIT + 9}`);
});
