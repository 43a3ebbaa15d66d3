// Realtime over WebSocket (docs/realtime.md): the conversation scenarios, listVoices, the feature flag and experimental gating.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sessionUpdated } from '../../testkit/realtime-upstream';
import { homeFixture, stdioServer } from '../support/fixtures';
import { AUDIO_CHUNK, realtimeHarness } from '../support/realtime-harness';

const STARTUP_CONTEXT_HEADER = 'Startup context from Codex.';

test('realtime_conversation_streams_v2_notifications', async (t) => {
  const h = await realtimeHarness(t, {
    startupContext: null,
    sideband: [
      {
        batches: [
          [sessionUpdated('sess_backend')],
          [],
          [
            { type: 'response.output_audio.delta', delta: 'AQID', sample_rate: 24000, channels: 1, samples_per_channel: 512 },
            { type: 'conversation.item.added', item: { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'hi' }] } },
            { type: 'conversation.item.input_audio_transcription.delta', delta: 'delegate now' },
            { type: 'response.output_text.delta', delta: 'working' },
            {
              type: 'conversation.item.done',
              item: { id: 'item_2', type: 'function_call', name: 'background_agent', call_id: 'handoff_1', arguments: '{"input_transcript":"delegate now"}' },
            },
            { type: 'error', message: 'upstream boom' },
          ],
          [],
        ],
      },
    ],
  });
  const { c, threadId, realtime } = h;
  assert.deepEqual(await c.request('thread/realtime/start', { threadId, sessionId: null, transport: null, voice: 'cedar' }), {});
  const started = await c.readUntilNotification<{ threadId: string; sessionId: string | null; version: string }>('thread/realtime/started');
  assert.equal(started.params.threadId, threadId);
  // No session id in the request: the thread id is the session id.
  assert.equal(started.params.sessionId, threadId);
  assert.equal(started.params.version, 'v2');

  const update = await realtime.waitForRequest(0, 0);
  const session = update.session as { instructions: string; audio: { output: { voice: string } } };
  assert.equal(update.type, 'session.update');
  assert.equal(session.audio.output.voice, 'cedar');
  assert.ok(session.instructions.startsWith('backend prompt'));
  assert.ok(session.instructions.includes(STARTUP_CONTEXT_HEADER));
  // The standalone socket: /v1/realtime with the model, the API key and the session id.
  assert.equal(realtime.handshakes[0]!.url, '/v1/realtime?model=gpt-realtime-1.5');
  assert.equal(realtime.handshakes[0]!.headers.authorization, 'Bearer sk-test-key');
  assert.equal(realtime.handshakes[0]!.headers['x-session-id'], threadId);

  assert.deepEqual(await c.request('thread/realtime/appendAudio', { threadId, audio: AUDIO_CHUNK }), {});
  assert.deepEqual(await c.request('thread/realtime/appendText', { threadId, text: 'hello' }), {});

  const audio = await c.readUntilNotification<{ threadId: string; audio: Record<string, unknown> }>('thread/realtime/outputAudio/delta');
  assert.equal(audio.params.audio.data, 'AQID');
  assert.equal(audio.params.audio.sampleRate, 24000);
  assert.equal(audio.params.audio.numChannels, 1);
  assert.equal(audio.params.audio.samplesPerChannel, 512);
  const itemAdded = await c.readUntilNotification<{ threadId: string; item: Record<string, unknown> }>('thread/realtime/itemAdded');
  assert.equal(itemAdded.params.threadId, threadId);
  assert.equal(itemAdded.params.item.type, 'message');
  const first = await c.readUntilNotification<{ threadId: string; role: string; text: string }>('thread/realtime/transcriptUpdated');
  assert.deepEqual(first.params, { threadId, role: 'user', text: 'delegate now' });
  const second = await c.readUntilNotification<{ threadId: string; role: string; text: string }>('thread/realtime/transcriptUpdated');
  assert.deepEqual(second.params, { threadId, role: 'assistant', text: 'working' });
  // The 04-13 names carry the same deltas.
  const delta = await c.readUntilNotification<{ role: string; delta: string }>('thread/realtime/transcript/delta');
  assert.deepEqual([delta.params.role, delta.params.delta], ['user', 'delegate now']);

  const handoff = await c.readUntilNotification<{ threadId: string; item: Record<string, unknown> }>('thread/realtime/itemAdded');
  assert.equal(handoff.params.threadId, threadId);
  assert.equal(handoff.params.item.type, 'handoff_request');
  assert.equal(handoff.params.item.handoff_id, 'handoff_1');
  assert.equal(handoff.params.item.item_id, 'item_2');
  assert.equal(handoff.params.item.input_transcript, 'delegate now');
  assert.deepEqual(handoff.params.item.active_transcript, []);

  const error = await c.readUntilNotification<{ threadId: string; message: string }>('thread/realtime/error');
  assert.deepEqual(error.params, { threadId, message: 'upstream boom' });
  const closed = await c.readUntilNotification<{ threadId: string; reason: string }>('thread/realtime/closed');
  assert.deepEqual(closed.params, { threadId, reason: 'error' });

  // Notifications keep upstream order.
  const order = c
    .notificationsSeen()
    .map((n) => n.method)
    .filter((m) => m.startsWith('thread/realtime/') && m !== 'thread/realtime/transcript/delta');
  assert.deepEqual(order, [
    'thread/realtime/started',
    'thread/realtime/outputAudio/delta',
    'thread/realtime/itemAdded',
    'thread/realtime/transcriptUpdated',
    'thread/realtime/transcriptUpdated',
    'thread/realtime/itemAdded',
    'thread/realtime/error',
    'thread/realtime/closed',
  ]);

  assert.equal(realtime.connections.length, 1);
  const frames = realtime.connections[0]!.map((f) => f.json);
  assert.equal(frames.length, 3);
  assert.equal(frames[0]!.type, 'session.update');
  assert.equal((frames[0]!.session as { instructions: string }).instructions, session.instructions);
  // The socket is open before `started`, so each input goes out as its request is handled, in request order.
  assert.deepEqual(frames[1], { type: 'input_audio_buffer.append', audio: AUDIO_CHUNK.data });
  assert.deepEqual(frames[2], { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
});

test('realtime_list_voices_returns_supported_names', async (t) => {
  const { home } = await homeFixture(t);
  const c = stdioServer(t, home.dir);
  await c.initialize();
  assert.deepEqual(await c.request('thread/realtime/listVoices', {}), {
    voices: {
      v1: ['juniper', 'maple', 'spruce', 'ember', 'vale', 'breeze', 'arbor', 'sol', 'cove'],
      v2: ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'],
      defaultV1: 'cove',
      defaultV2: 'marin',
    },
  });
});

test('realtime_conversation_stop_emits_closed_notification', async (t) => {
  const h = await realtimeHarness(t, { startupContext: null, sideband: [{ batches: [[sessionUpdated('sess_backend')], []] }] });
  await h.c.request('thread/realtime/start', { threadId: h.threadId, prompt: 'backend prompt', sessionId: null, transport: null, voice: null });
  const started = await h.c.readUntilNotification<{ threadId: string }>('thread/realtime/started');
  assert.deepEqual(await h.c.request('thread/realtime/stop', { threadId: started.params.threadId }), {});
  const closed = await h.c.readUntilNotification<{ threadId: string; reason: string }>('thread/realtime/closed');
  // Always "requested": end() marks the session ended before it closes the socket, so the socket's own
  // close event (which would say "transport_closed") finds the session already over. The fake upstream
  // would only close after a 2nd frame from us, which never comes.
  assert.deepEqual(closed.params, { threadId: started.params.threadId, reason: 'requested' });
  assert.equal((await h.realtime.waitForClose(0)).code, 1000, 'we close the socket, with a normal close');
});

test('realtime_conversation_requires_feature_flag', async (t) => {
  const h = await realtimeHarness(t, { enabled: false, login: false, startupContext: null, sideband: [{ batches: [] }] });
  const error = await h.c.requestError('thread/realtime/start', { threadId: h.threadId, prompt: 'backend prompt', sessionId: null, transport: null, voice: null });
  assert.equal(error.code, -32600);
  assert.equal(error.message, `thread ${h.threadId} does not support realtime conversation`);
  assert.equal(error.data, undefined);
  for (const [method, params] of [
    ['thread/realtime/appendAudio', { threadId: h.threadId, audio: AUDIO_CHUNK }],
    ['thread/realtime/appendText', { threadId: h.threadId, text: 'hi' }],
    ['thread/realtime/stop', { threadId: h.threadId }],
  ] as const) {
    const e = await h.c.requestError(method, params);
    assert.deepEqual([e.code, e.message], [-32600, `thread ${h.threadId} does not support realtime conversation`], method);
  }
  assert.equal(h.realtime.handshakes.length, 0);
});

test('every realtime method requires the experimentalApi capability (gating never looks up the thread)', async (t) => {
  const { home } = await homeFixture(t);
  const c = stdioServer(t, home.dir);
  await c.initialize({ experimentalApi: false });
  const calls: [string, unknown][] = [
    ['thread/realtime/start', { threadId: 'thr_123', outputModality: 'audio', prompt: 'hello', realtimeSessionId: null, transport: null, voice: null }],
    ['thread/realtime/start', { threadId: 'thr_123', outputModality: 'audio', prompt: 'hello', realtimeSessionId: null, transport: { type: 'webrtc', sdp: 'v=offer\r\n' }, voice: null }],
    ['thread/realtime/appendAudio', { threadId: 'thr_123', audio: AUDIO_CHUNK }],
    ['thread/realtime/appendText', { threadId: 'thr_123', text: 'hi' }],
    ['thread/realtime/stop', { threadId: 'thr_123' }],
    ['thread/realtime/listVoices', {}],
  ];
  for (const [method, params] of calls) {
    const error = await c.requestError(method, params);
    assert.deepEqual(error, { code: -32600, message: `${method} requires experimentalApi capability` }, method);
  }
});

test('session id rename: realtimeSessionId is echoed under both keys and sent upstream as x-session-id', async (t) => {
  const h = await realtimeHarness(t, { sideband: [{ batches: [[sessionUpdated('sess')]], closeAfterRequests: false }] });
  await h.c.request('thread/realtime/start', { threadId: h.threadId, outputModality: 'audio', prompt: null, realtimeSessionId: 'rt_custom', transport: { type: 'websocket' } });
  const started = await h.c.readUntilNotification<Record<string, unknown>>('thread/realtime/started');
  assert.deepEqual(started.params, { threadId: h.threadId, realtimeSessionId: 'rt_custom', sessionId: 'rt_custom', version: 'v2' });
  assert.equal(h.realtime.handshakes[0]!.headers['x-session-id'], 'rt_custom');
  // prompt: null → "" prompt, but the configured backend prompt wins over every request prompt.
  const update = await h.realtime.waitForRequest(0, 0);
  assert.equal((update.session as { instructions: string }).instructions, 'backend prompt\n\nstartup context');
});

test('start-time configuration errors arrive as thread/realtime/error without closed', async (t) => {
  const h = await realtimeHarness(t, { version: 'v1', sideband: [{ batches: [] }] });
  await h.c.request('thread/realtime/start', { threadId: h.threadId, voice: 'marin' });
  const voice = await h.c.readUntilNotification<{ message: string }>('thread/realtime/error');
  assert.equal(voice.params.message, 'realtime voice `marin` is not supported for v1; supported voices: juniper, maple, spruce, ember, vale, breeze, arbor, sol, cove');
  await h.c.request('thread/realtime/start', { threadId: h.threadId, outputModality: 'text' });
  const modality = await h.c.readUntilNotification<{ message: string }>('thread/realtime/error');
  assert.equal(modality.params.message, 'text realtime output modality requires realtime v2');
  // Barrier: input now is answered with "not running", after anything the failed starts emitted.
  assert.deepEqual(await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'late' }), {});
  assert.equal((await h.c.readUntilNotification<{ message: string }>('thread/realtime/error')).params.message, 'conversation is not running');
  assert.equal(h.realtime.handshakes.length, 0);
  assert.ok(!h.c.notificationsSeen().some((n) => n.method === 'thread/realtime/closed' || n.method === 'thread/realtime/started'));
});
