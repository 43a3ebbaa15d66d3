// Voice in the browser (docs/realtime.md#the-browsers-call), proved on the wire: Chromium's fake microphone,
// our real server, and a real WebRTC peer (werift) behind a fake calls endpoint plus the scripted sideband
// (testkit/webrtc-upstream.ts, started by fixtures/start-server.mjs).
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { trpcMutation } from '../fixtures/api';
import { apiHeaders, serverStateFile } from '../fixtures/auth';
import { conversation, createThread, openThread } from '../fixtures/app';

interface FakeCall {
  callId: string;
  rawBody: string;
  contentType: string;
  offerSdp: string;
  answerSdp: string;
  inboundPackets: number;
  outboundPackets: number;
  connectionState: string;
  sideband: { type?: string; [k: string]: unknown }[];
  sidebandState: string;
  ended: boolean;
}

const port = Number(process.env.E2E_PORT ?? 3199);
const upstream = (): string => (JSON.parse(readFileSync(serverStateFile(port), 'utf8')) as { voiceUpstream: string }).voiceUpstream;

async function calls(request: APIRequestContext): Promise<FakeCall[]> {
  return (await (await request.get(`${upstream()}/__fake/calls`)).json()) as FakeCall[];
}
async function lastCall(request: APIRequestContext): Promise<FakeCall> {
  const all = await calls(request);
  return all.at(-1)!;
}
async function callById(request: APIRequestContext, id: string): Promise<FakeCall> {
  return (await calls(request)).find((c) => c.callId === id)!;
}
async function sideband(request: APIRequestContext, callId: string, frame: Record<string, unknown>): Promise<void> {
  const res = await request.post(`${upstream()}/__fake/calls/${callId}/sideband`, { data: frame });
  expect(res.ok(), await res.text()).toBe(true);
}

/** Test-side instrumentation only: keeps every RTCPeerConnection the page makes, to read its SDP and stats. */
async function watchPeers(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const list: RTCPeerConnection[] = [];
    (window as unknown as { __peers: RTCPeerConnection[] }).__peers = list;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        list.push(this);
      }
    } as typeof RTCPeerConnection;
  });
}

async function browserPeer(page: Page) {
  return page.evaluate(async () => {
    const pc = (window as unknown as { __peers: RTCPeerConnection[] }).__peers.at(-1)!;
    let inbound = 0;
    let outbound = 0;
    let played = 0;
    (await pc.getStats()).forEach((s: { type?: string; kind?: string; packetsReceived?: number; packetsSent?: number; totalSamplesDuration?: number }) => {
      if (s.kind !== 'audio') return;
      if (s.type === 'inbound-rtp') {
        inbound += s.packetsReceived ?? 0;
        played = s.totalSamplesDuration ?? 0;
      }
      if (s.type === 'outbound-rtp') outbound += s.packetsSent ?? 0;
    });
    return { offer: pc.localDescription?.sdp ?? '', answer: pc.remoteDescription?.sdp ?? '', state: pc.connectionState, inbound, outbound, played };
  });
}

const status = (page: Page) => page.getByTestId('voice-status');
const transcriptLog = (page: Page) => page.getByRole('log', { name: 'Voice transcript' });

test('a voice call over WebRTC: negotiation, audio both ways, transcript, hand-off, mute, barge-in, reload, end', async ({ page, request }) => {
  test.setTimeout(90_000);
  await watchPeers(page);
  const threadId = await createThread(request, 'Voice call');
  await openThread(page, threadId);
  await expect(page.getByRole('combobox', { name: 'Voice' })).toHaveValue('marin');
  await page.getByRole('combobox', { name: 'Voice' }).selectOption('cedar');

  // The offer exactly as the page sent it to our server (realtime.start).
  const sentOffer = page
    .waitForRequest((r) => r.url().includes('realtime.start'))
    .then((r) => {
      const body = r.postDataJSON() as { sdp?: string } | Record<string, { sdp?: string }>;
      return ('sdp' in body ? body.sdp : Object.values(body)[0]?.sdp) ?? '';
    });
  await page.getByRole('button', { name: 'Start voice' }).click();
  await expect(status(page)).toHaveText('connected', { timeout: 15_000 });

  // The browser's offer reached the calls endpoint inside the multipart body; its answer completed negotiation.
  const call = await lastCall(request);
  const peer = await browserPeer(page);
  expect(call.contentType).toBe('multipart/form-data; boundary=codex-realtime-call-boundary');
  expect(peer.offer).toContain('a=sctp-port');
  expect(call.offerSdp).toBe(await sentOffer);
  expect(call.offerSdp).toContain('a=candidate:');
  // …and it is this peer's offer (its ICE credentials and DTLS fingerprint; gathering may have added candidates since).
  const offerAttrs = (sdp: string) => sdp.split(/\r?\n/).filter((l) => /^a=(ice-ufrag|ice-pwd|fingerprint):/.test(l));
  expect(offerAttrs(call.offerSdp)).toEqual(offerAttrs(peer.offer));
  expect(call.rawBody).toContain(`Content-Type: application/sdp\r\n\r\n${call.offerSdp}`);
  expect(call.rawBody).toContain('"voice":"cedar"');
  // Chromium re-serializes the remote description; the answer's ICE credentials and DTLS fingerprint are the fake peer's.
  const attrs = (sdp: string) => sdp.split(/\r?\n/).filter((l) => /^a=(ice-ufrag|ice-pwd|fingerprint):/.test(l)).sort();
  expect(attrs(call.answerSdp).length).toBeGreaterThanOrEqual(3);
  expect(attrs(peer.answer)).toEqual(attrs(call.answerSdp));
  expect(peer.state).toBe('connected');

  // Audio RTP flows both ways: the counters rise on both peers.
  const before = { browser: peer, fake: call };
  await page.waitForTimeout(1000);
  const after = { browser: await browserPeer(page), fake: await lastCall(request) };
  expect(after.browser.outbound).toBeGreaterThan(before.browser.outbound);
  expect(after.browser.inbound).toBeGreaterThan(before.browser.inbound);
  expect(after.fake.inboundPackets).toBeGreaterThan(before.fake.inboundPackets);
  expect(after.fake.outboundPackets).toBeGreaterThan(before.fake.outboundPackets);

  // The server joined the sideband and configured the session there.
  await expect.poll(async () => (await lastCall(request)).sideband.map((f) => f.type)).toContain('session.update');

  // Sideband transcript events appear in the transcript log.
  await sideband(request, call.callId, { type: 'conversation.item.input_audio_transcription.delta', item_id: 'item_u1', delta: 'Hello ' });
  await sideband(request, call.callId, { type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_u1', transcript: 'Hello there, voice.' });
  await sideband(request, call.callId, { type: 'response.output_audio_transcript.delta', item_id: 'item_a1', delta: 'Hi! ' });
  await sideband(request, call.callId, { type: 'response.output_audio_transcript.done', item_id: 'item_a1', transcript: 'Hi! How can I help?' });
  await expect(transcriptLog(page)).toContainText('You: Hello there, voice.');
  await expect(transcriptLog(page)).toContainText('Assistant: Hi! How can I help?');

  // A background_agent call starts a turn whose items appear in the thread; its final output reaches the sideband.
  await sideband(request, call.callId, {
    type: 'conversation.item.done',
    item: { id: 'item_call_1', type: 'function_call', name: 'background_agent', call_id: 'call_1', arguments: JSON.stringify({ prompt: 'Explain this workspace slowly [e2e:slow]' }) },
  });
  await expect(page.getByTestId('voice-agent')).toHaveText('Agent working…');
  const turn = conversation(page).getByTestId('turn').last();
  await expect(turn).toContainText('Slow and steady', { timeout: 10_000 });
  await expect(turn.getByTestId('turn-status')).toHaveText('Done', { timeout: 20_000 });
  await expect(page.getByTestId('voice-agent')).toHaveCount(0);
  await expect
    .poll(async () => (await lastCall(request)).sideband.find((f) => f.type === 'conversation.item.create' && (f.item as { type?: string })?.type === 'function_call_output'))
    .toMatchObject({ item: { type: 'function_call_output', call_id: 'call_1', output: expect.stringContaining('Done: the stream is complete.') } });
  await expect.poll(async () => (await lastCall(request)).sideband.at(-1)?.type).toBe('response.create');

  // Mute stops outbound audio (no RTP at all, not silence); unmuting resumes it.
  const mute = page.getByRole('button', { name: 'Mute' });
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'true');
  await page.waitForTimeout(300);
  const muted0 = { browser: await browserPeer(page), fake: await lastCall(request) };
  await page.waitForTimeout(1000);
  const muted1 = { browser: await browserPeer(page), fake: await lastCall(request) };
  expect(muted1.browser.outbound - muted0.browser.outbound).toBeLessThanOrEqual(1);
  expect(muted1.fake.inboundPackets - muted0.fake.inboundPackets).toBeLessThanOrEqual(1);
  expect(muted1.browser.inbound).toBeGreaterThan(muted0.browser.inbound);
  await mute.click();
  await expect(mute).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(async () => (await lastCall(request)).inboundPackets).toBeGreaterThan(muted1.fake.inboundPackets + 10);

  // Barge-in: the user starts speaking while the assistant talks; playback stops at once and the truncation
  // the server sends upstream carries the audio actually played.
  await sideband(request, call.callId, { type: 'conversation.item.added', item: { id: 'item_a2', type: 'message', role: 'assistant', content: [] } });
  await expect(status(page)).toHaveAttribute('data-playback', 'playing');
  const itemStart = Date.now();
  await page.waitForTimeout(1200);
  await sideband(request, call.callId, { type: 'input_audio_buffer.speech_started', item_id: 'item_u2', audio_start_ms: 1000 });
  await expect(status(page)).toHaveAttribute('data-playback', 'stopped');
  const heardFor = Date.now() - itemStart;
  expect(await page.locator('audio[data-testid="voice-audio"]').evaluate((a: HTMLAudioElement) => a.muted)).toBe(true);
  const truncate = await expect
    .poll(async () => (await lastCall(request)).sideband.find((f) => f.type === 'conversation.item.truncate'))
    .toMatchObject({ type: 'conversation.item.truncate', item_id: 'item_a2', content_index: 0 })
    .then(async () => (await lastCall(request)).sideband.find((f) => f.type === 'conversation.item.truncate')!);
  const audioEndMs = truncate.audio_end_ms as number;
  expect(audioEndMs).toBeGreaterThan(500);
  expect(audioEndMs).toBeLessThanOrEqual(heardFor + 100);

  // The transcript survives a reload, inline in the timeline, and stays out of the protocol's turns.
  // Reloading ends the call at once: both peers and the sideband close.
  await page.reload();
  await openThread(page, threadId);
  await expect.poll(async () => (await callById(request, call.callId)).sidebandState, { timeout: 5_000 }).toBe('closed');
  await expect.poll(async () => (await callById(request, call.callId)).ended).toBe(true);
  const lines = conversation(page).getByTestId('voice-line');
  await expect(lines).toHaveText([/You \(voice\): Hello there, voice\./, /Assistant \(voice\): Hi! How can I help\?/]);
  // Where it happened: before the delegated turn.
  const order = await conversation(page).locator('[data-testid="voice-lines"], [data-testid="turn"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  expect(order).toEqual(['voice-lines', 'turn']);
  const read = await request.get(`/api/trpc/thread.read?input=${encodeURIComponent(JSON.stringify({ threadId }))}`, { headers: apiHeaders() });
  const readText = await read.text();
  expect(readText).toContain('Slow and steady');
  expect(readText).not.toContain('Hello there, voice.');
  await expect(status(page)).toHaveCount(0);

  // A second call, ended with End voice: both peers and the sideband close.
  await page.getByRole('button', { name: 'Start voice' }).click();
  await expect(status(page)).toHaveText('connected', { timeout: 15_000 });
  const second = await lastCall(request);
  expect(second.callId).not.toBe(call.callId);
  await page.getByRole('button', { name: 'End voice' }).click();
  await expect(status(page)).toHaveText('ended');
  await expect.poll(async () => (await callById(request, second.callId)).sidebandState).toBe('closed');
  await expect.poll(async () => (await callById(request, second.callId)).ended).toBe(true);
  expect((await browserPeer(page)).state).toBe('closed');
  await expect(page.getByRole('button', { name: 'Start voice' })).toBeVisible();
});

test('closing the tab ends the upstream call at once', async ({ browser, request }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const threadId = await createThread(request, 'Voice tab close');
  await openThread(page, threadId);
  await page.getByRole('button', { name: 'Start voice' }).click();
  await expect(status(page)).toHaveText('connected', { timeout: 15_000 });
  const call = await lastCall(request);
  await expect.poll(async () => (await callById(request, call.callId)).sidebandState).toBe('open');
  const closedAt = Date.now();
  await page.close({ runBeforeUnload: true });
  await expect.poll(async () => (await callById(request, call.callId)).ended, { timeout: 3_000 }).toBe(true);
  expect(Date.now() - closedAt).toBeLessThan(3_000);
  expect((await callById(request, call.callId)).sidebandState).toBe('closed');
  await context.close();
});

test('upstream busy: a person reads why the call did not start', async ({ page, request }) => {
  const threadId = await createThread(request, 'Voice busy');
  await openThread(page, threadId);
  await request.post(`${upstream()}/__fake/calls?failNext=503`);
  await page.getByRole('button', { name: 'Start voice' }).click();
  await expect(status(page)).toHaveText('error', { timeout: 15_000 });
  await expect(page.getByRole('region', { name: 'Voice call' }).getByRole('alert')).toHaveText('The voice service is busy right now. Try again in a minute.');
  await expect(page.getByRole('button', { name: 'Start voice' })).toBeEnabled();
});

test('no microphone permission: a text-only call with a clear message', async ({ page, request }) => {
  await page.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  });
  const threadId = await createThread(request, 'Voice text fallback');
  // A WebSocket session (the text-only call) needs API-key auth upstream; signed out again at the end.
  await trpcMutation(request, 'account.login', { apiKey: 'sk-e2e-voice' });
  await openThread(page, threadId);
  const before = (await calls(request)).length;
  await page.getByRole('button', { name: 'Start voice' }).click();
  await expect(status(page)).toHaveText('connected', { timeout: 15_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Microphone permission was denied' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Mute' })).toHaveCount(0);
  await expect.poll(async () => (await calls(request)).length).toBe(before + 1);
  const session = await lastCall(request);
  expect(session.callId).toMatch(/^ws_fake_/);
  await expect.poll(async () => (await callById(request, session.callId)).sideband.map((f) => f.type)).toContain('session.update');
  const update = (await callById(request, session.callId)).sideband.find((f) => f.type === 'session.update') as { session: { output_modalities: string[] } };
  expect(update.session.output_modalities).toEqual(['text']);

  await page.getByRole('textbox', { name: 'Say to the voice assistant' }).fill('What is in this workspace?');
  await page.getByRole('button', { name: 'Say' }).click();
  await expect
    .poll(async () => (await callById(request, session.callId)).sideband.slice(-2))
    .toEqual([{ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is in this workspace?' }] } }, { type: 'response.create' }]);
  await sideband(request, session.callId, { type: 'response.output_text.done', item_id: 'item_t1', text: 'A README and nothing else.' });
  await expect(transcriptLog(page)).toContainText('Assistant: A README and nothing else.');
  await page.getByRole('button', { name: 'End voice' }).click();
  await expect(status(page)).toHaveText('ended');
  await expect.poll(async () => (await callById(request, session.callId)).sidebandState).toBe('closed');
});

test.afterEach(async ({ request }) => {
  await trpcMutation(request, 'account.logout', {});
});

test('hostile input to the realtime router is refused, not relayed', async ({ request }) => {
  const threadId = await createThread(request, 'Voice hostile');
  const bad = await request.post('/api/trpc/realtime.start', { data: { threadId, sdp: 'not an sdp' }, headers: apiHeaders() });
  expect(bad.status()).toBe(400);
  const noOffer = await request.post('/api/trpc/realtime.start', { data: { threadId, outputModality: 'audio' }, headers: apiHeaders() });
  expect(noOffer.status()).toBe(400);
  const negative = await request.post('/api/trpc/realtime.truncate', { data: { threadId, itemId: 'x', audioEndMs: -5 }, headers: apiHeaders() });
  expect(negative.status()).toBe(400);
  // A stop naming another call leaves the running one alone.
  expect(await trpcMutation(request, 'realtime.stop', { threadId, sessionId: 'voice_not_this_one' })).toEqual({ stopped: false });
});

test('the media path lost for good: the call ends cleanly with a message, the upstream call too', async ({ page, request }) => {
  test.setTimeout(60_000);
  const threadId = await createThread(request, 'Voice network loss');
  await openThread(page, threadId);
  await page.getByRole('button', { name: 'Start voice' }).click();
  await expect(status(page)).toHaveText('connected', { timeout: 15_000 });
  const call = await lastCall(request);
  await expect.poll(async () => (await callById(request, call.callId)).sidebandState).toBe('open');
  await request.post(`${upstream()}/__fake/calls/${call.callId}/drop`);
  await expect(status(page)).toHaveText('error', { timeout: 30_000 });
  await expect(page.getByRole('region', { name: 'Voice call' }).getByRole('alert')).toHaveText('The network connection was lost, so the call ended.');
  // The browser told the server, which ended the upstream call (its sideband closes).
  await expect.poll(async () => (await callById(request, call.callId)).sidebandState).toBe('closed');
});

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`live call on a 375 px phone, ${colorScheme}`, () => {
    test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, colorScheme });

    test('fits the screen and has no serious or critical axe violations', async ({ page, request }) => {
      test.setTimeout(60_000);
      const threadId = await createThread(request, `Voice phone ${colorScheme}`);
      await openThread(page, threadId);
      await page.getByRole('button', { name: 'Start voice' }).tap();
      await expect(status(page)).toHaveText('connected', { timeout: 15_000 });
      const call = await lastCall(request);
      await expect.poll(async () => (await callById(request, call.callId)).sidebandState).toBe('open');
      await sideband(request, call.callId, { type: 'conversation.item.input_audio_transcription.completed', item_id: 'p1', transcript: 'A rather long sentence spoken on a phone to see that the transcript wraps instead of overflowing.' });
      await expect(transcriptLog(page)).toContainText('A rather long sentence');
      for (const name of ['End voice', 'Mute', 'Hold to talk']) await expect(page.getByRole('button', { name })).toBeVisible();
      await expect(page.getByRole('meter', { name: 'Microphone level' })).toBeVisible();
      await expect(page.getByTestId('voice-timer')).toContainText('max (server limit)');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      const result = await new AxeBuilder({ page }).analyze();
      const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      expect(serious).toEqual([]);
      await page.screenshot({ path: `e2e/artifacts/voice-phone-${colorScheme}.png` });
      await page.getByRole('button', { name: 'Hold to talk' }).tap();
      await page.getByRole('button', { name: 'End voice' }).tap();
      await expect(status(page)).toHaveText('ended');
    });
  });
}
