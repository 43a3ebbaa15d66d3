// Seed 001 (realtime_conversation.rs), WebRTC scenarios: call creation, SDP, sideband join, audio/text relay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioDelta, defaultCallReply, sessionUpdated } from '../../testkit/realtime-upstream';
import { AUDIO_CHUNK, multipartBody, realtimeHarness, startWebrtc, userTextItem } from '../support/realtime-harness';

const BG_TOOL =
  '{"type":"function","name":"background_agent","description":"Send a user request to the background agent. Use this as the default action. If the background agent is idle, this starts a new task and returns the final result to the user. If the background agent is already working on a task, this sends the request as guidance to steer that previous task. If the user asks to do something next, later, after this, or once current work finishes, call this tool so the work is actually queued instead of merely promising to do it later.","parameters":{"type":"object","properties":{"prompt":{"type":"string","description":"The user request to delegate to the background agent."}},"required":["prompt"],"additionalProperties":false}}';
const V2_SESSION = `{"tool_choice":"auto","type":"realtime","model":"gpt-realtime-1.5","instructions":"backend prompt\\n\\nstartup context","output_modalities":["audio"],"audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"noise_reduction":{"type":"near_field"},"turn_detection":{"type":"server_vad","interrupt_response":true,"create_response":true}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"marin"}},"tools":[${BG_TOOL}]}`;
const V1_SESSION =
  '{"audio":{"input":{"format":{"type":"audio/pcm","rate":24000}},"output":{"voice":"cove"}},"type":"quicksilver","model":"gpt-realtime-1.5","instructions":"backend prompt\\n\\nstartup context"}';

function assertV2SessionUpdate(req: Record<string, unknown>): void {
  const session = req.session as { type: string; instructions: string; tools: { name: string }[] };
  assert.equal(req.type, 'session.update');
  assert.equal(session.type, 'realtime');
  assert.ok(session.instructions.includes('startup context'));
  assert.equal(session.tools[0]!.name, 'background_agent');
}

test('realtime_webrtc_start_emits_sdp_notification', async (t) => {
  const h = await realtimeHarness(t, { sideband: [{ batches: [[sessionUpdated('sess_webrtc')]], closeAfterRequests: false }] });
  h.calls.reply = defaultCallReply('rtc_app_test');
  const { started, sdp } = await startWebrtc(h);
  assert.equal(started.threadId, h.threadId);
  assert.equal(started.version, 'v2');
  assert.deepEqual(sdp, { threadId: h.threadId, sdp: 'v=answer\r\n' });

  const update = await h.realtime.waitForRequest(0, 0);
  assert.equal(update.type, 'session.update');
  assert.ok((update.session as { instructions: string }).instructions.includes('startup context'));
  assert.equal(h.realtime.handshakes.length, 1);
  assert.equal(h.realtime.handshakes[0]!.url, '/v1/realtime?call_id=rtc_app_test');

  assert.deepEqual(await h.c.request('thread/realtime/stop', { threadId: h.threadId }), {});
  const closed = await h.c.readUntilNotification<{ threadId: string; reason: string }>('thread/realtime/closed');
  // Always "requested": end() marks the session ended before it closes the socket, so the socket's own
  // close event (which would say "transport_closed") finds the session already over.
  assert.deepEqual(closed.params, { threadId: h.threadId, reason: 'requested' });
  assert.equal((await h.realtime.waitForClose(0)).code, 1000, 'we close the sideband, with a normal close');

  assert.equal(h.calls.calls.length, 1, 'expected one realtime call request');
  const call = h.calls.calls[0]!;
  assert.equal(call.path, '/v1/realtime/calls');
  assert.equal(call.query, null);
  assert.equal(call.headers['content-type'], 'multipart/form-data; boundary=codex-realtime-call-boundary');
  assert.equal(call.rawBody, multipartBody('v=offer\r\n', V2_SESSION));
  // Call creation uses the provider's auth and carries the session id.
  assert.equal(call.headers.authorization, 'Bearer sk-test-key');
  assert.equal(call.headers['x-session-id'], h.threadId);
});

test('webrtc_v1_start_posts_offer_returns_sdp_and_joins_sideband', async (t) => {
  const h = await realtimeHarness(t, { version: 'v1', sideband: [{ batches: [[sessionUpdated('sess_v1_webrtc')]], closeAfterRequests: false }] });
  const started = await startWebrtc(h);
  assert.deepEqual(started, {
    started: { threadId: h.threadId, sessionId: h.threadId, realtimeSessionId: h.threadId, version: 'v1' },
    sdp: { threadId: h.threadId, sdp: 'v=answer\r\n' },
  });
  assert.equal(h.calls.calls.length, 1);
  const call = h.calls.calls[0]!;
  assert.equal(call.path, '/v1/realtime/calls');
  assert.equal(call.query, null);
  assert.equal(call.headers['content-type'], 'multipart/form-data; boundary=codex-realtime-call-boundary');
  assert.equal(call.rawBody, multipartBody('v=offer\r\n', V1_SESSION));

  const update = await h.realtime.waitForRequest(0, 0);
  assert.equal(h.realtime.handshakes[0]!.url, '/v1/realtime?intent=quicksilver&call_id=rtc_e2e');
  const session = update.session as { type: string; instructions: string; audio: { output: { voice: string } }; tools?: unknown };
  assert.equal(update.type, 'session.update');
  assert.equal(session.type, 'quicksilver');
  assert.ok(session.instructions.includes('startup context'));
  assert.equal(session.audio.output.voice, 'cove');
  assert.equal(session.tools, undefined);

  await assert.rejects(h.c.readUntilNotification('thread/realtime/closed', () => true, 100), /timed out/, 'WebRTC start should not close immediately');
  // Barrier: the session still relays input after that window, so it had not ended by then.
  await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'still open' });
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), userTextItem('still open'));
  assert.ok(!h.c.notificationsSeen().some((n) => n.method === 'thread/realtime/closed' || n.method === 'thread/realtime/error'));
});

test('webrtc_v2_forwards_audio_and_text_between_client_and_sideband', async (t) => {
  const h = await realtimeHarness(t, {
    sideband: [
      {
        batches: [
          [sessionUpdated('sess_v2_stream')],
          [],
          [{ type: 'conversation.item.input_audio_transcription.delta', delta: 'transcribed audio' }, audioDelta('AQID')],
        ],
      },
    ],
  });
  const { started } = await startWebrtc(h);
  assert.equal(started.version, 'v2');
  assertV2SessionUpdate(await h.realtime.waitForRequest(0, 0));

  assert.deepEqual(await h.c.request('thread/realtime/appendAudio', { threadId: started.threadId, audio: AUDIO_CHUNK }), {});
  assert.deepEqual(await h.c.request('thread/realtime/appendText', { threadId: started.threadId, text: 'hello' }), {});
  const transcript = await h.c.readUntilNotification<{ text: string }>('thread/realtime/transcriptUpdated');
  assert.equal(transcript.params.text, 'transcribed audio');
  const audio = await h.c.readUntilNotification<{ audio: { data: string } }>('thread/realtime/outputAudio/delta');
  assert.equal(audio.params.audio.data, 'AQID');

  // In the order the client sent them: held in one queue until the sideband joined, then sent after session.update.
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), { type: 'input_audio_buffer.append', audio: 'BQYH' });
  assert.deepEqual(await h.realtime.waitForRequest(0, 2), userTextItem('hello'));
});

for (const ending of ['response.done', 'response.cancelled'] as const) {
  const name =
    ending === 'response.done' ? 'webrtc_v2_text_input_is_append_only_while_response_is_active' : 'webrtc_v2_text_input_is_append_only_when_response_is_cancelled';
  test(name, async (t) => {
    const responseId = ending === 'response.done' ? 'resp_active' : 'resp_cancelled';
    const opened =
      ending === 'response.done'
        ? [{ type: 'response.created', response: { id: responseId } }, { type: 'response.output_text.delta', delta: 'active response started' }]
        : [{ type: 'response.created', response: { id: responseId } }];
    const h = await realtimeHarness(t, {
      sideband: [{ batches: [[sessionUpdated('sess_v2_response_queue')], opened, [], [{ type: ending, response: { id: responseId } }]] }],
    });
    const { started } = await startWebrtc(h);
    assert.equal(started.version, 'v2');
    assertV2SessionUpdate(await h.realtime.waitForRequest(0, 0));

    await h.c.request('thread/realtime/appendText', { threadId: started.threadId, text: 'first' });
    assert.deepEqual(await h.realtime.waitForRequest(0, 1), userTextItem('first'));
    if (ending === 'response.done') {
      const transcript = await h.c.readUntilNotification<{ text: string }>('thread/realtime/transcriptUpdated');
      assert.equal(transcript.params.text, 'active response started');
    }
    // A second text turn while the response is still open: the user message only, no response.create.
    await h.c.request('thread/realtime/appendText', { threadId: started.threadId, text: 'second' });
    assert.deepEqual(await h.realtime.waitForRequest(0, 2), userTextItem('second'));

    await h.c.request('thread/realtime/appendAudio', { threadId: started.threadId, audio: AUDIO_CHUNK });
    const audio = await h.realtime.waitForRequest(0, 3);
    assert.equal(audio.type, 'input_audio_buffer.append');
    assert.equal(audio.audio, 'BQYH');
  });
}

test('realtime_webrtc_start_surfaces_backend_error', async (t) => {
  const h = await realtimeHarness(t, { sideband: [{ batches: [] }] });
  h.calls.reply = { status: 500, body: 'boom' };
  const res = await h.c.request('thread/realtime/start', { threadId: h.threadId, prompt: 'backend prompt', sessionId: null, transport: { type: 'webrtc', sdp: 'v=offer\r\n' }, voice: null });
  assert.deepEqual(res, {});
  const error = await h.c.readUntilNotification<{ threadId: string; message: string }>('thread/realtime/error');
  assert.ok(error.params.message.includes('currently experiencing high demand'), error.params.message);
  assert.equal(error.params.threadId, h.threadId);
  // Barrier: input after the failure is answered with "not running", so the failed start is over.
  assert.deepEqual(await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'late' }), {});
  assert.equal((await h.c.readUntilNotification<{ message: string }>('thread/realtime/error')).params.message, 'conversation is not running');
  // The call never started: no `started`, no sideband, no `closed`.
  assert.equal(h.realtime.handshakes.length, 0);
  assert.ok(!h.c.notificationsSeen().some((n) => n.method === 'thread/realtime/started' || n.method === 'thread/realtime/closed'));
});
