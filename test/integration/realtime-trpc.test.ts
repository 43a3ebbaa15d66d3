// The browser's voice call over tRPC (docs/realtime.md#the-browsers-call): the realtime router is a thin
// transport over the same service as thread/realtime/*; its events ride thread.onEvents; transcripts are kept
// as voice_transcript records outside the turns; a call nobody holds is stopped.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { realtimeConfigToml } from '../../testkit/mock-provider-config';
import { startRealtimeCallsServer, startRealtimeWsServer, type ConnectionScript, type RealtimeCallsServer, type RealtimeWsServer } from '../../testkit/realtime-upstream';
import { httpRequest } from '../support/serve-process';
import { startThread, startTrpcServe, trpcMutation, TrpcSocket, type TrpcServe } from '../support/trpc-ws';

const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n';

async function voiceServe(t: TestContext, sideband: ConnectionScript[], extra = ''): Promise<{ s: TrpcServe; calls: RealtimeCallsServer; realtime: RealtimeWsServer }> {
  let calls: RealtimeCallsServer | null = null;
  let realtime: RealtimeWsServer | null = null;
  const s = await startTrpcServe(t, {
    config: async (mock) => {
      calls = await startRealtimeCallsServer({ forwardTo: mock.origin });
      realtime = await startRealtimeWsServer(sideband);
      return realtimeConfigToml({ providerUrl: calls.url, realtimeUrl: realtime.uri, startupContext: '', extra, realtimeKeys: 'hold_grace_s = 0.4' });
    },
  });
  t.after(async () => {
    await realtime?.close();
    await calls?.close();
  });
  return { s, calls: calls!, realtime: realtime! };
}

async function trpcQuery<T>(s: TrpcServe, procedurePath: string, input: unknown): Promise<{ status: number; data: T | null; body: string }> {
  const res = await httpRequest(`${s.base}/api/trpc/${procedurePath}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: s.headers });
  return { status: res.status, data: res.status === 200 ? (JSON.parse(res.body) as { result: { data: T } }).result.data : null, body: res.body };
}

async function trpcPost(s: TrpcServe, procedurePath: string, input: unknown): Promise<{ status: number; body: string }> {
  const res = await httpRequest(`${s.base}/api/trpc/${procedurePath}`, {
    method: 'POST',
    headers: { ...s.headers, 'x-codex-web': '1', 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: res.status, body: res.body };
}

test('a WebRTC call from the browser: offer to the calls endpoint, events in the thread stream, transcripts stored outside the turns, truncate and text', async (t) => {
  const { s, calls, realtime } = await voiceServe(t, [
    {
      batches: [
        [
          { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_u1', transcript: 'Turn on the lights.' },
          { type: 'response.output_audio_transcript.done', item_id: 'item_a1', transcript: 'Which lights?' },
          { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_u2', transcript: '   ' },
        ],
      ],
      closeAfterRequests: false,
    },
  ]);
  const threadId = await startThread(s);
  const socket = await TrpcSocket.open(s);
  t.after(() => socket.close());
  socket.subscribe(1, 'thread.onEvents', { threadId });
  await socket.until(() => (socket.events.get(1)?.length ?? 0) > 0, 'the snapshot');

  const { sessionId } = await trpcMutation<{ sessionId: string }>(s, 'realtime.start', { threadId, sdp: OFFER, voice: 'cedar' });
  assert.match(sessionId, /^voice_/);
  socket.subscribe(2, 'realtime.hold', { threadId, sessionId });
  await socket.until(() => socket.notifications(1).some((n) => n.method === 'thread/realtime/sdp'), 'the answer SDP');
  const started = socket.notifications(1).find((n) => n.method === 'thread/realtime/started')!;
  assert.equal(started.params.realtimeSessionId, sessionId);
  assert.deepEqual(socket.notifications(1).find((n) => n.method === 'thread/realtime/sdp')!.params, { threadId, sdp: 'v=answer\r\n' });
  assert.equal(calls.calls.length, 1);
  assert.match(calls.calls[0]!.rawBody, /Content-Type: application\/sdp\r\n\r\nv=0\r\no=- 1 2 IN IP4 127\.0\.0\.1\r\ns=-\r\n\r\n--codex-realtime-call-boundary/);
  assert.match(calls.calls[0]!.rawBody, /"voice":"cedar"/);
  assert.equal((await realtime.waitForRequest(0, 0)).type, 'session.update');
  assert.equal(realtime.handshakes[0]!.url, '/v1/realtime?call_id=rtc_e2e');

  // Transcript segments arrive in the stream and are stored, each once; a blank one is not stored.
  await socket.until(() => socket.notifications(1).filter((n) => n.method === 'thread/realtime/transcript/done').length === 3, 'three transcript/done');
  let lines: { role: string; text: string; callId: string; itemId: string | null; afterTurnId: string | null }[] = [];
  for (let i = 0; i < 50 && lines.length < 2; i += 1) {
    lines = (await trpcQuery<{ lines: typeof lines }>(s, 'realtime.transcript', { threadId })).data!.lines;
    if (lines.length < 2) await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(
    lines.map((l) => ({ role: l.role, text: l.text, callId: l.callId, itemId: l.itemId, afterTurnId: l.afterTurnId })),
    [
      { role: 'user', text: 'Turn on the lights.', callId: 'rtc_e2e', itemId: 'item_u1', afterTurnId: null },
      { role: 'assistant', text: 'Which lights?', callId: 'rtc_e2e', itemId: 'item_a1', afterTurnId: null },
    ],
  );
  // Search finds what was said, in this thread, as a voice line.
  const found = await trpcQuery<{ data: { thread: { id: string }; snippet: string }[] }>(s, 'thread.search', { searchTerm: 'which LIGHTS' });
  assert.deepEqual(found.data!.data.map((r) => [r.thread.id, r.snippet]), [[threadId, 'Which lights?']]);
  // No turn yet: an occurrence has no turn to point at.
  const none = await trpcQuery<{ data: unknown[] }>(s, 'thread.searchOccurrences', { threadId, searchTerm: 'lights' });
  assert.deepEqual(none.data!.data, []);
  // Wire compatibility: thread.read (and so thread/read's turns) never carries them.
  const read = await trpcQuery<unknown>(s, 'thread.read', { threadId });
  assert.equal(read.status, 200);
  assert.ok(!read.body.includes('Turn on the lights.'), read.body);

  // Barge-in from the browser: the server truncates the item where it was heard.
  assert.deepEqual(await trpcMutation(s, 'realtime.truncate', { threadId, itemId: 'item_a1', audioEndMs: 1234 }), { truncated: true });
  assert.deepEqual(await realtime.waitForRequest(0, 1), { type: 'conversation.item.truncate', item_id: 'item_a1', content_index: 0, audio_end_ms: 1234 });
  // Typed text with respond: the item, then response.create; without: append-only.
  await trpcMutation(s, 'realtime.appendText', { threadId, text: 'the kitchen', respond: true });
  assert.deepEqual(await realtime.waitForRequest(0, 2), { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'the kitchen' }] } });
  assert.deepEqual(await realtime.waitForRequest(0, 3), { type: 'response.create' });
  await trpcMutation(s, 'realtime.appendText', { threadId, text: 'quietly' });
  assert.equal((await realtime.waitForRequest(0, 4)).type, 'conversation.item.create');

  // A stop that names another call leaves this one running; the right one ends it.
  assert.deepEqual(await trpcMutation(s, 'realtime.stop', { threadId, sessionId: 'voice_someone_else' }), { stopped: false });
  assert.deepEqual(await trpcMutation(s, 'realtime.stop', { threadId, sessionId }), { stopped: true });
  await socket.until(() => socket.notifications(1).some((n) => n.method === 'thread/realtime/closed'), 'closed');
  assert.deepEqual(socket.notifications(1).find((n) => n.method === 'thread/realtime/closed')!.params, { threadId, reason: 'requested' });
  assert.equal((await realtime.waitForClose(0)).code, 1000);
  assert.equal(realtime.connections[0]!.length, 5, 'nothing more went upstream');

  // After a turn, new lines are placed after it.
  const turn = await trpcMutation<{ turn: { id: string } }>(s, 'turn.start', { threadId, input: [{ type: 'text', text: 'hello' }] });
  await socket.turnCompleted(turn.turn.id);
  const transcript = await trpcQuery<{ lines: unknown[] }>(s, 'realtime.transcript', { threadId });
  assert.equal(transcript.data!.lines.length, 2, 'stored lines survive');
  // Spoken before the first turn, the lines' occurrences point at it (where the timeline shows them).
  const spots = await trpcQuery<{ data: { itemId: string; turnId: string }[] }>(s, 'thread.searchOccurrences', { threadId, searchTerm: 'lights' });
  assert.deepEqual(spots.data!.data.map((o) => [o.itemId, o.turnId]), [['item_u1', turn.turn.id], ['item_a1', turn.turn.id]]);
});

test('a call nobody holds is stopped: never held, and held by a socket that went away', async (t) => {
  const { s, realtime } = await voiceServe(t, [
    { batches: [[]], closeAfterRequests: false },
    { batches: [[]], closeAfterRequests: false },
  ]);
  const threadId = await startThread(s);
  const watcher = await TrpcSocket.open(s);
  t.after(() => watcher.close());
  watcher.subscribe(1, 'thread.onEvents', { threadId });
  const closedCount = () => watcher.notifications(1).filter((n) => n.method === 'thread/realtime/closed').length;

  // Never held: ended after the grace period (0.4 s here).
  const first = await trpcMutation<{ sessionId: string }>(s, 'realtime.start', { threadId, sdp: OFFER });
  await realtime.waitForRequest(0, 0);
  const t0 = Date.now();
  assert.equal((await realtime.waitForClose(0)).code, 1000);
  assert.ok(Date.now() - t0 < 3000);
  await watcher.until(() => closedCount() === 1, 'closed for the unheld call');

  // Held, then the holder's socket dies (a killed tab): the hold lapses and the call is stopped.
  const second = await trpcMutation<{ sessionId: string }>(s, 'realtime.start', { threadId, sdp: OFFER });
  assert.notEqual(second.sessionId, first.sessionId);
  const holder = await TrpcSocket.open(s);
  holder.subscribe(7, 'realtime.hold', { threadId, sessionId: second.sessionId });
  await holder.until(() => (holder.events.get(7)?.length ?? 0) > 0, 'held');
  assert.deepEqual(holder.events.get(7)![0] as unknown, { held: true });
  await realtime.waitForRequest(1, 0);
  await new Promise((r) => setTimeout(r, 900));
  assert.equal(realtime.closes[1], null, 'still held: still running past the grace period');
  holder.close();
  assert.equal((await realtime.waitForClose(1)).code, 1000);
  await watcher.until(() => closedCount() === 2, 'closed for the lapsed hold');

  // Holding a call that is not running says so.
  const late = await TrpcSocket.open(s);
  t.after(() => late.close());
  late.subscribe(3, 'realtime.hold', { threadId, sessionId: second.sessionId });
  await late.until(() => (late.events.get(3)?.length ?? 0) > 0, 'the hold answer');
  assert.deepEqual(late.events.get(3)![0] as unknown, { held: false });
});

test('hostile input to the realtime router is refused before anything goes upstream', async (t) => {
  const { s, calls } = await voiceServe(t, []);
  const threadId = await startThread(s);
  for (const input of [
    { threadId, sdp: 'GET / HTTP/1.1' },
    { threadId, sdp: `v=0${'x'.repeat(70_000)}` },
    { threadId, outputModality: 'audio' },
    { threadId: '', sdp: OFFER },
    { threadId, sdp: OFFER, voice: 'v'.repeat(65) },
  ]) {
    const res = await trpcPost(s, 'realtime.start', input);
    assert.equal(res.status, 400, `${JSON.stringify(input).slice(0, 80)} → ${res.status} ${res.body.slice(0, 200)}`);
  }
  for (const input of [
    { threadId, itemId: 'x', audioEndMs: -1 },
    { threadId, itemId: 'x', audioEndMs: 1.5 },
    { threadId, itemId: '', audioEndMs: 1 },
  ]) {
    assert.equal((await trpcPost(s, 'realtime.truncate', input)).status, 400);
  }
  assert.equal((await trpcPost(s, 'realtime.appendText', { threadId, text: '' })).status, 400);
  const unknown = await trpcQuery(s, 'realtime.transcript', { threadId: 'no-such-thread' });
  assert.notEqual(unknown.status, 200);
  assert.match(unknown.body, /not found/);
  // A voice of the other version: a start-time error in the stream, no call created.
  const socket = await TrpcSocket.open(s);
  t.after(() => socket.close());
  socket.subscribe(1, 'thread.onEvents', { threadId });
  await trpcMutation(s, 'realtime.start', { threadId, sdp: OFFER, voice: 'cove' });
  await socket.until(() => socket.notifications(1).some((n) => n.method === 'thread/realtime/error'), 'the voice error');
  assert.match(String(socket.notifications(1).find((n) => n.method === 'thread/realtime/error')!.params.message), /voice `cove` is not supported for v2/);
  assert.equal(calls.calls.length, 0);
  // Writes need the same-origin header like every tRPC write.
  const noHeader = await httpRequest(`${s.base}/api/trpc/realtime.start`, { method: 'POST', headers: { ...s.headers, 'content-type': 'application/json' }, body: JSON.stringify({ threadId, sdp: OFFER }) });
  assert.notEqual(noHeader.status, 200);
  assert.equal(calls.calls.length, 0);
});
