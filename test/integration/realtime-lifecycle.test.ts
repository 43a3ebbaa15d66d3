// Realtime session lifecycle beyond the seeds: upstream close, the leash (max duration, idle), malformed
// upstream frames, replacing a session, thread unload and shutdown, barge-in, the response.create queue
// and mirroring typed user text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioDelta, backgroundAgentCall, sessionUpdated } from '../../testkit/realtime-upstream';
import { sse } from '../../testkit/responses-sse';
import { AUDIO_CHUNK, realtimeHarness, startWebrtc, userTextItem } from '../support/realtime-harness';

type Closed = { threadId: string; reason: string };

test('the upstream closing mid-session ends it with closed "transport_closed" and no error', async (t) => {
  const h = await realtimeHarness(t, { sideband: [{ batches: [[sessionUpdated('s')], [audioDelta('AQID')]] }] });
  await startWebrtc(h);
  await h.c.request('thread/realtime/appendAudio', { threadId: h.threadId, audio: AUDIO_CHUNK });
  await h.c.readUntilNotification('thread/realtime/outputAudio/delta');
  // The script is done after the 2nd inbound frame, so the fake upstream closes the socket.
  const closed = await h.c.readUntilNotification<Closed>('thread/realtime/closed');
  assert.deepEqual(closed.params, { threadId: h.threadId, reason: 'transport_closed' });
  assert.ok(!h.c.notificationsSeen().some((n) => n.method === 'thread/realtime/error'));
  // Input after the end: {} and an error saying there is no conversation.
  assert.deepEqual(await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'late' }), {});
  const error = await h.c.readUntilNotification<{ message: string }>('thread/realtime/error');
  assert.equal(error.params.message, 'conversation is not running');
  // Barrier: that error comes after anything the ended session could still emit; it is the only error.
  const errors = h.c.notificationsSeen().filter((n) => n.method === 'thread/realtime/error');
  assert.deepEqual(errors.map((n) => n.params.message), ['conversation is not running']);
  assert.equal(h.c.notificationsSeen().filter((n) => n.method === 'thread/realtime/closed').length, 1);
});

test('the leash: [realtime] max_duration_s ends the call with an error naming the limit, then closed "max_duration"', async (t) => {
  const h = await realtimeHarness(t, {
    args: ['-c', 'realtime.max_duration_s=1'],
    sideband: [{ batches: [[sessionUpdated('s')]], closeAfterRequests: false }],
  });
  await startWebrtc(h);
  const startedAt = Date.now();
  // Keep the call busy so only the duration cap can end it.
  const chatter = setInterval(() => h.c.send('thread/realtime/appendAudio', { threadId: h.threadId, audio: AUDIO_CHUNK }), 100);
  t.after(() => clearInterval(chatter));
  const error = await h.c.readUntilNotification<{ message: string }>('thread/realtime/error');
  const closed = await h.c.readUntilNotification<Closed>('thread/realtime/closed');
  clearInterval(chatter);
  assert.match(error.params.message, /maximum duration of 1 s \(\[realtime\] max_duration_s\)/);
  assert.deepEqual(closed.params, { threadId: h.threadId, reason: 'max_duration' });
  assert.ok(Date.now() - startedAt >= 900, 'the cap must not fire early');
  assert.equal((await h.realtime.waitForClose(0)).code, 1000);
});

test('the leash: [realtime] idle_timeout_s ends a silent call with closed "idle_timeout"', async (t) => {
  const h = await realtimeHarness(t, {
    args: ['-c', 'realtime.idle_timeout_s=1'],
    sideband: [{ batches: [[sessionUpdated('s')]], closeAfterRequests: false }],
  });
  await startWebrtc(h);
  const error = await h.c.readUntilNotification<{ message: string }>('thread/realtime/error');
  assert.match(error.params.message, /no activity for 1 s \(\[realtime\] idle_timeout_s\)/);
  assert.deepEqual((await h.c.readUntilNotification<Closed>('thread/realtime/closed')).params, { threadId: h.threadId, reason: 'idle_timeout' });
});

test('a malformed upstream frame is ignored (and logged); the event after it still arrives', async (t) => {
  const h = await realtimeHarness(t, {
    sideband: [
      {
        batches: [
          [
            sessionUpdated('s'),
            { raw: '{"type":"response.output_audio.delta","delta":' },
            { type: 'response.output_audio.delta', delta: 12345 },
            { type: 'conversation.item.added' },
            audioDelta('AFTER'),
          ],
        ],
        closeAfterRequests: false,
      },
    ],
  });
  await startWebrtc(h);
  const audio = await h.c.readUntilNotification<{ audio: { data: string } }>('thread/realtime/outputAudio/delta');
  assert.equal(audio.params.audio.data, 'AFTER');
  await h.c.server.waitForStderr(/ignoring malformed upstream frame \(delta: /);
  // Barrier: the session still relays input afterwards (an ended one would answer "not running").
  await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'still running' });
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), userTextItem('still running'));
  const seen = h.c.notificationsSeen().map((n) => n.method);
  assert.ok(!seen.includes('thread/realtime/error') && !seen.includes('thread/realtime/closed') && !seen.includes('thread/realtime/itemAdded'), seen.join(', '));
});

test('a second start replaces the running session without a closed for the first', async (t) => {
  const h = await realtimeHarness(t, {
    sideband: [
      { batches: [[sessionUpdated('first')]], closeAfterRequests: false },
      { batches: [[sessionUpdated('second')]], closeAfterRequests: false },
    ],
  });
  await startWebrtc(h);
  await h.realtime.waitForRequest(0, 0);
  await startWebrtc(h);
  await h.realtime.waitForRequest(1, 0);
  assert.equal((await h.realtime.waitForClose(0)).code, 1000);
  await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'to the second' });
  assert.deepEqual(await h.realtime.waitForRequest(1, 1), userTextItem('to the second'));
  assert.ok(!h.c.notificationsSeen().some((n) => n.method === 'thread/realtime/closed'));
  // Barrier: stopping the second session gives its closed; by then the first session's socket is long
  // closed, and still the only closed ever sent is the second's.
  await h.c.request('thread/realtime/stop', { threadId: h.threadId });
  assert.deepEqual((await h.c.readUntilNotification<Closed>('thread/realtime/closed')).params, { threadId: h.threadId, reason: 'requested' });
  assert.equal((await h.realtime.waitForClose(1)).code, 1000);
  assert.deepEqual(
    h.c.notificationsSeen().filter((n) => n.method === 'thread/realtime/closed').map((n) => n.params),
    [{ threadId: h.threadId, reason: 'requested' }],
  );
});

test('the session stops when its thread unloads, and on server shutdown the upstream gets a normal close', async (t) => {
  const h = await realtimeHarness(t, {
    args: ['-c', 'thread_unload_grace_s=0.2'],
    sideband: [{ batches: [[sessionUpdated('s')]], closeAfterRequests: false }],
  });
  await startWebrtc(h);
  await h.realtime.waitForRequest(0, 0);
  assert.deepEqual(await h.c.request('thread/unsubscribe', { threadId: h.threadId }), { status: 'unsubscribed' });
  await h.c.readUntilNotification('thread/closed', (p: { threadId: string }) => p.threadId === h.threadId);
  assert.equal((await h.realtime.waitForClose(0)).code, 1000);

  // A fresh session on the (reloaded) thread, then SIGTERM.
  await h.c.request('thread/resume', { threadId: h.threadId });
  await startWebrtc(h);
  await h.realtime.waitForRequest(1, 0);
  await h.c.server.kill('SIGTERM');
  assert.equal((await h.realtime.waitForClose(1)).code, 1000);
});

test('barge-in: speech over playing assistant audio truncates the item at the audio heard so far', async (t) => {
  const h = await realtimeHarness(t, {
    sideband: [
      {
        batches: [
          [
            sessionUpdated('s'),
            { ...audioDelta('AAAA', 480), item_id: 'item_a' },
            { ...audioDelta('AAAA', 480), item_id: 'item_a' },
            { type: 'input_audio_buffer.speech_started' },
          ],
        ],
        closeAfterRequests: false,
      },
    ],
  });
  await startWebrtc(h);
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 40 });
  const item = await h.c.readUntilNotification<{ item: Record<string, unknown> }>('thread/realtime/itemAdded');
  assert.deepEqual(item.params.item, { type: 'input_audio_buffer.speech_started', item_id: null });
});

test('v2: the final response.create waits while a realtime response is active and goes out after response.done', async (t) => {
  const h = await realtimeHarness(t, {
    responses: [sse.message('done while speaking')],
    sideband: [{ batches: [[sessionUpdated('s'), { type: 'response.created', response: { id: 'resp_1' } }, backgroundAgentCall('call_q', 'queue it')], [], []], closeAfterRequests: false }],
  });
  await startWebrtc(h);
  await h.c.readUntilNotification('turn/completed');
  assert.equal((await h.realtime.waitForRequest(0, 2)).type, 'conversation.item.create');
  await assert.rejects(h.realtime.waitForRequest(0, 3, 300), /timed out/, 'response.create must wait for the active response');
  // Barrier: text is append-only; it must be the next frame, so no response.create went out before it.
  await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'barrier' });
  assert.deepEqual(await h.realtime.waitForRequest(0, 3), userTextItem('barrier'));
  h.realtime.send(0, { type: 'response.done', response: { id: 'resp_1' } });
  assert.deepEqual(await h.realtime.waitForRequest(0, 4), { type: 'response.create' });
});

test('text typed into the thread while a call runs is mirrored into realtime (append-only)', async (t) => {
  const h = await realtimeHarness(t, {
    responses: [sse.message('typed answer')],
    sideband: [{ batches: [[sessionUpdated('s')]], closeAfterRequests: false }],
  });
  await startWebrtc(h);
  await h.realtime.waitForRequest(0, 0);
  await h.c.request('turn/start', { threadId: h.threadId, input: [{ type: 'text', text: 'typed by the user' }] });
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), userTextItem('typed by the user'));
  await h.c.readUntilNotification('turn/completed');
  // No handoff is active, so the typed turn's answer is not sent as progress.
  await assert.rejects(h.realtime.waitForRequest(0, 2, 200), /timed out/);
  // Barrier: the next frame is our own text, so nothing was sent for the turn before it.
  await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'barrier' });
  assert.deepEqual(await h.realtime.waitForRequest(0, 2), userTextItem('barrier'));
});

test('transcripts: deltas under both names, done events, and response.cancelled as an item', async (t) => {
  const h = await realtimeHarness(t, {
    sideband: [
      {
        batches: [
          [
            sessionUpdated('s'),
            { type: 'conversation.item.input_audio_transcription.completed', transcript: 'what time is it' },
            { type: 'response.output_audio_transcript.delta', delta: 'It is ' },
            { type: 'response.output_audio_transcript.done', transcript: 'It is noon.' },
            { type: 'response.cancelled', response: { id: 'resp_x' } },
          ],
        ],
        closeAfterRequests: false,
      },
    ],
  });
  await startWebrtc(h);
  const userDone = await h.c.readUntilNotification<Record<string, unknown>>('thread/realtime/transcript/done');
  assert.deepEqual(userDone.params, { threadId: h.threadId, role: 'user', text: 'what time is it' });
  const delta = await h.c.readUntilNotification<Record<string, unknown>>('thread/realtime/transcript/delta');
  assert.deepEqual(delta.params, { threadId: h.threadId, role: 'assistant', delta: 'It is ' });
  const updated = await h.c.readUntilNotification<Record<string, unknown>>('thread/realtime/transcriptUpdated');
  assert.deepEqual(updated.params, { threadId: h.threadId, role: 'assistant', text: 'It is ' });
  const assistantDone = await h.c.readUntilNotification<Record<string, unknown>>('thread/realtime/transcript/done');
  assert.deepEqual(assistantDone.params, { threadId: h.threadId, role: 'assistant', text: 'It is noon.' });
  const cancelled = await h.c.readUntilNotification<{ item: unknown }>('thread/realtime/itemAdded');
  assert.deepEqual(cancelled.params.item, { type: 'response.cancelled', response_id: 'resp_x' });
});

test('an unreachable upstream: websocket start fails with an error only; a failed sideband join errors then closes', async (t) => {
  const h = await realtimeHarness(t, { sideband: [] });
  await h.realtime.close();
  await h.c.request('thread/realtime/start', { threadId: h.threadId, transport: { type: 'websocket' } });
  const wsError = await h.c.readUntilNotification<{ message: string }>('thread/realtime/error');
  assert.match(wsError.params.message, /^failed to connect realtime websocket: /);
  // Barrier: input now is answered with "not running", after anything the failed start emitted.
  assert.deepEqual(await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'late' }), {});
  assert.equal((await h.c.readUntilNotification<{ message: string }>('thread/realtime/error')).params.message, 'conversation is not running');
  assert.ok(!h.c.notificationsSeen().some((n) => n.method === 'thread/realtime/started' || n.method === 'thread/realtime/closed'));

  await startWebrtc(h);
  const joinError = await h.c.readUntilNotification<{ message: string }>('thread/realtime/error');
  assert.match(joinError.params.message, /^failed to join the realtime sideband: failed to connect realtime websocket: /);
  assert.deepEqual((await h.c.readUntilNotification<Closed>('thread/realtime/closed')).params, { threadId: h.threadId, reason: 'error' });
});
