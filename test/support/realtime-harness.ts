/**
 * The seed-001 realtime route, end to end: our real server on stdio, a mock Responses server for the
 * delegated coding-agent turns, a fake call-create endpoint in front of it (same provider base_url) and a
 * scripted realtime/sideband WebSocket server. Mirrors `RealtimeE2eHarness` of the seed. The fakes and the
 * frames they send live in testkit/ (realtime-upstream.ts); this file is the test side.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { realtimeConfigToml } from '../../testkit/mock-provider-config';
import { startMockResponsesServer, type MockResponsesServer, type ReplyScript } from '../../testkit/mock-responses-server';
import { startRealtimeCallsServer, startRealtimeWsServer, type ConnectionScript, type RealtimeCallsServer, type RealtimeWsServer } from '../../testkit/realtime-upstream';
import { startStdioServer, type StdioClient } from './server-process';
import type { ThreadSessionResult } from './wire';

export interface HarnessOptions {
  version?: 'v1' | 'v2';
  responses?: ReplyScript[];
  sideband: ConnectionScript[];
  sandbox?: 'read-only' | 'danger-full-access';
  startupContext?: string | null;
  enabled?: boolean;
  login?: boolean;
  args?: string[];
  extraConfig?: string;
}

export interface RealtimeHarness {
  c: StdioClient;
  mock: MockResponsesServer;
  calls: RealtimeCallsServer;
  realtime: RealtimeWsServer;
  threadId: string;
  home: string;
}

export async function realtimeHarness(t: TestContext, o: HarnessOptions): Promise<RealtimeHarness> {
  const mock = await startMockResponsesServer({ replies: o.responses ?? [] });
  const calls = await startRealtimeCallsServer({ forwardTo: mock.origin });
  const realtime = await startRealtimeWsServer(o.sideband);
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-realtime-'));
  writeFileSync(
    path.join(home, 'config.toml'),
    realtimeConfigToml({
      providerUrl: calls.url,
      realtimeUrl: realtime.uri,
      enabled: o.enabled,
      startupContext: o.startupContext === undefined ? 'startup context' : (o.startupContext ?? undefined),
      version: o.version,
      sandbox: o.sandbox,
      extra: o.extraConfig,
    }),
  );
  const c = startStdioServer({ home, args: o.args ?? [] });
  t.after(async () => {
    await c.server.kill();
    await Promise.all([realtime.close(), calls.close(), mock.close()]);
    rmSync(home, { recursive: true, force: true });
  });
  await c.initialize();
  if (o.login ?? true) {
    const login = await c.request<{ type: string }>('account/login/start', { type: 'apiKey', apiKey: 'sk-test-key' });
    if (login.type !== 'apiKey') throw new Error(`login answered ${JSON.stringify(login)}`);
  }
  const { thread } = await c.request<ThreadSessionResult>('thread/start', {});
  return { c, mock, calls, realtime, threadId: thread.id, home };
}

export interface StartedWebrtc {
  started: { threadId: string; sessionId: string | null; realtimeSessionId: string | null; version: string };
  sdp: { threadId: string; sdp: string };
}

/** start over WebRTC with a fixed prompt, then wait for `started` and `sdp` like the desktop app does. */
export async function startWebrtc(h: RealtimeHarness, offerSdp = 'v=offer\r\n'): Promise<StartedWebrtc> {
  const res = await h.c.request('thread/realtime/start', { threadId: h.threadId, prompt: 'backend prompt', sessionId: null, transport: { type: 'webrtc', sdp: offerSdp }, voice: null });
  if (Object.keys(res).length !== 0) throw new Error(`thread/realtime/start answered ${JSON.stringify(res)}`);
  const started = await h.c.readUntilNotification<StartedWebrtc['started']>('thread/realtime/started');
  const sdp = await h.c.readUntilNotification<StartedWebrtc['sdp']>('thread/realtime/sdp');
  return { started: started.params, sdp: sdp.params };
}

export const AUDIO_CHUNK = { data: 'BQYH', sampleRate: 24000, numChannels: 1, samplesPerChannel: 480, itemId: null };

export const progressUpdate = (text: string) => ({
  type: 'conversation.item.create',
  item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: `${text}\n\nUpdate from background agent (task hasn't finished yet):` }] },
});

export const functionCallOutput = (callId: string, output: string) => ({
  type: 'conversation.item.create',
  item: { type: 'function_call_output', call_id: callId, output: `"Agent Final Message":\n\n${output}` },
});

export const userTextItem = (text: string) => ({
  type: 'conversation.item.create',
  item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
});

/** Every function_call_output the broker sent on connection 0. */
export const functionCallOutputs = (h: RealtimeHarness) =>
  (h.realtime.connections[0] ?? []).map((f) => f.json).filter((j) => j.type === 'conversation.item.create' && (j.item as { type?: string }).type === 'function_call_output');

/** The exact multipart body the seed asserts. */
export const multipartBody = (sdp: string, session: string) =>
  `--codex-realtime-call-boundary\r\nContent-Disposition: form-data; name="sdp"\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n` +
  `--codex-realtime-call-boundary\r\nContent-Disposition: form-data; name="session"\r\nContent-Type: application/json\r\n\r\n${session}\r\n` +
  `--codex-realtime-call-boundary--\r\n`;
