// Unit tests of the realtime engine's pure parts: URL normalisation, session JSON, call-create body and
// Location parsing, upstream frame parsing, prompt tri-state and the startup context.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { callIdFromLocation, multipartCallBody } from '../server/engine/realtime/calls';
import { handoffTranscript, parseRealtimeFrame } from '../server/engine/realtime/events';
import { ActiveTranscript, delegationText, frameDurationMs } from '../server/engine/realtime/messages';
import { composeInstructions, defaultBackendPrompt, resolveBackendPrompt } from '../server/engine/realtime/prompt';
import { callCreateSessionJson, sessionUpdate, type SessionSpec } from '../server/engine/realtime/session-config';
import { buildStartupContext, STARTUP_CONTEXT_HEADER } from '../server/engine/realtime/startup-context';
import { realtimeHeaders, realtimeWebsocketUrl } from '../server/engine/realtime/url';
import { resolveVoice } from '../server/engine/realtime/voices';

test('websocket URL: path normalisation, scheme mapping and query order (docs/realtime.md#url-and-headers)', () => {
  const url = (base: string, o: Partial<Parameters<typeof realtimeWebsocketUrl>[1]> = {}) => realtimeWebsocketUrl(base, { version: 'v2', ...o });
  assert.equal(url('ws://127.0.0.1:9', { model: 'gpt-realtime-1.5' }), 'ws://127.0.0.1:9/v1/realtime?model=gpt-realtime-1.5');
  assert.equal(url('http://h/', { version: 'v1', model: 'm' }), 'ws://h/v1/realtime?intent=quicksilver&model=m');
  assert.equal(url('https://api.openai.com/v1'), 'wss://api.openai.com/v1/realtime');
  assert.equal(url('https://h/v1/'), 'wss://h/v1/realtime');
  assert.equal(url('wss://h/x/realtime/'), 'wss://h/x/realtime');
  assert.equal(url('wss://h/x/realtime'), 'wss://h/x/realtime');
  assert.equal(url('wss://h/custom/path'), 'wss://h/custom/path');
  assert.equal(url('ws://h', { callId: 'rtc_app_test' }), 'ws://h/v1/realtime?call_id=rtc_app_test');
  assert.equal(url('ws://h', { version: 'v1', callId: 'rtc_e2e' }), 'ws://h/v1/realtime?intent=quicksilver&call_id=rtc_e2e');
  assert.equal(
    url('ws://h', { version: 'v1', model: 'm', queryParams: { intent: 'x', model: 'y', 'api-version': '1' } }),
    'ws://h/v1/realtime?intent=quicksilver&model=m&api-version=1',
  );
  assert.equal(url('ws://h', { queryParams: { model: 'kept-without-our-model' } }), 'ws://h/v1/realtime?model=kept-without-our-model');
  assert.throws(() => url('ftp://h'), /unsupported realtime api_url scheme/);
});

test('headers: provider headers first, ours next, defaults only where absent', () => {
  const h = realtimeHeaders({ provider: { http_headers: { 'User-Agent': 'mine', 'X-Extra': '1' } }, sessionId: 'sess', token: 'k', userAgent: 'codex-web/0' });
  assert.deepEqual(h, { 'User-Agent': 'mine', 'X-Extra': '1', 'x-session-id': 'sess', Authorization: 'Bearer k', originator: 'codex_web' });
});

const v2: SessionSpec = { version: 'v2', kind: 'conversational', instructions: 'I', voice: 'marin', outputModality: 'audio', model: 'gpt-realtime-1.5' };

test('session.update has no id or model; call-create JSON moves the last key to the front', () => {
  const update = sessionUpdate(v2) as { type: string; session: Record<string, unknown> };
  assert.equal(update.type, 'session.update');
  assert.deepEqual(Object.keys(update.session), ['type', 'instructions', 'output_modalities', 'audio', 'tools', 'tool_choice']);
  assert.deepEqual(Object.keys(JSON.parse(callCreateSessionJson(v2)) as object), ['tool_choice', 'type', 'model', 'instructions', 'output_modalities', 'audio', 'tools']);
  const v1 = { ...v2, version: 'v1' as const, voice: 'cove', instructions: 'backend prompt\n\nstartup context' };
  assert.equal(
    callCreateSessionJson(v1),
    '{"audio":{"input":{"format":{"type":"audio/pcm","rate":24000}},"output":{"voice":"cove"}},"type":"quicksilver","model":"gpt-realtime-1.5","instructions":"backend prompt\\n\\nstartup context"}',
  );
  assert.deepEqual(sessionUpdate({ ...v2, kind: 'transcription' }), { type: 'session.update', session: { type: 'transcription', audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } } } });
  assert.deepEqual((sessionUpdate({ ...v2, outputModality: 'text' }) as { session: { output_modalities: string[] } }).session.output_modalities, ['text']);
});

test('multipart body and Location parsing', () => {
  assert.equal(
    multipartCallBody('v=offer\r\n', '{}'),
    '--codex-realtime-call-boundary\r\nContent-Disposition: form-data; name="sdp"\r\nContent-Type: application/sdp\r\n\r\nv=offer\r\n\r\n--codex-realtime-call-boundary\r\nContent-Disposition: form-data; name="session"\r\nContent-Type: application/json\r\n\r\n{}\r\n--codex-realtime-call-boundary--\r\n',
  );
  assert.equal(callIdFromLocation('/v1/realtime/calls/rtc_e2e'), 'rtc_e2e');
  assert.equal(callIdFromLocation('https://x/v1/realtime/calls/rtc_abc/?a=rtc_zzz'), 'rtc_abc');
  assert.throws(() => callIdFromLocation(null), /realtime call response missing Location/);
  assert.throws(() => callIdFromLocation('/v1/realtime/calls/rtc_'), /realtime call Location does not contain a call id: \/v1\/realtime\/calls\/rtc_/);
});

test('upstream frames: v1/v2 mapping, unknown types ignored, malformed ones reported', () => {
  assert.deepEqual(parseRealtimeFrame('v2', '{"type":"response.output_audio.delta","delta":"AQ","item_id":"i"}'), {
    ok: true,
    event: { kind: 'audioOut', audio: { data: 'AQ', sampleRate: 24000, numChannels: 1, samplesPerChannel: null, itemId: 'i' } },
  });
  // v1 audio needs a sample rate and channel count, and never carries an item id.
  assert.deepEqual(parseRealtimeFrame('v1', '{"type":"conversation.output_audio.delta","delta":"AQ"}'), { ok: true, event: null });
  assert.deepEqual(parseRealtimeFrame('v1', '{"type":"conversation.output_audio.delta","delta":"AQ","sample_rate":16000,"num_channels":2,"item_id":"i"}'), {
    ok: true,
    event: { kind: 'audioOut', audio: { data: 'AQ', sampleRate: 16000, numChannels: 2, samplesPerChannel: null, itemId: null } },
  });
  assert.deepEqual(parseRealtimeFrame('v2', '{"type":"something.new"}'), { ok: true, event: null });
  assert.deepEqual(parseRealtimeFrame('v2', '{"type":"conversation.item.done","item":{"type":"message"}}'), { ok: true, event: null });
  assert.equal(parseRealtimeFrame('v2', 'nope').ok, false);
  assert.equal(parseRealtimeFrame('v2', '{"type":"response.output_text.delta","delta":5}').ok, false);
  assert.deepEqual(parseRealtimeFrame('v2', '{"type":"error","error":{"message":"inner"}}'), { ok: true, event: { kind: 'error', message: 'inner' } });
  assert.deepEqual(parseRealtimeFrame('v2', '{"type":"response.cancelled","response_id":"r"}'), { ok: true, event: { kind: 'responseCancelled', responseId: 'r' } });
  assert.deepEqual(parseRealtimeFrame('v2', '{"type":"conversation.item.done","item":{"type":"function_call","name":"background_agent","call_id":"c","arguments":"{\\"query\\":\\" q \\"}"}}'), {
    ok: true,
    event: { kind: 'handoff', handoffId: 'c', itemId: 'c', inputTranscript: 'q' },
  });
  assert.equal(handoffTranscript('not json'), 'not json');
  assert.equal(handoffTranscript('{"prompt":"  ","text":"t"}'), 't');
});

test('prompt tri-state, configured override, instructions composition', () => {
  assert.equal(resolveBackendPrompt('verbatim', undefined), 'verbatim');
  assert.equal(resolveBackendPrompt(null, undefined), '');
  assert.equal(resolveBackendPrompt('', undefined), '');
  assert.ok(resolveBackendPrompt(undefined, undefined).startsWith('You are Codex, an OpenAI Coding Agent'));
  assert.equal(resolveBackendPrompt(null, 'configured'), 'configured');
  assert.equal(resolveBackendPrompt(undefined, '   '), defaultBackendPrompt());
  assert.ok(defaultBackendPrompt('Ada').includes('with Ada.'));
  assert.equal(composeInstructions('p', 'c'), 'p\n\nc');
  assert.equal(composeInstructions('', 'c'), 'c');
  assert.equal(composeInstructions('p', ''), 'p');
  assert.equal(resolveVoice('v2', null, 'cedar'), 'cedar');
  assert.equal(resolveVoice('v1', null, null), 'cove');
});

test('delegation text, active transcript and frame durations', () => {
  const tr = new ActiveTranscript();
  tr.delta('user', 'dele');
  tr.delta('user', 'gate');
  tr.delta('assistant', 'ok');
  tr.done('user', 'delegate <now>');
  assert.deepEqual(tr.take(), [{ role: 'user', text: 'delegate <now>' }, { role: 'assistant', text: 'ok' }]);
  assert.deepEqual(tr.take(), []);
  assert.equal(
    delegationText('', [{ role: 'user', text: 'a & b' }]),
    '<realtime_delegation>\n  <input>user: a &amp; b</input>\n  <transcript_delta>user: a &amp; b</transcript_delta>\n</realtime_delegation>',
  );
  assert.equal(frameDurationMs({ data: '', sampleRate: 24000, numChannels: 1, samplesPerChannel: 480 }), 20);
  assert.equal(frameDurationMs({ data: 'AAAAAA==', sampleRate: 1000, numChannels: 1, samplesPerChannel: null }), 2);
});

test('startup context: header, sections, grouping and skipped folders', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rt-ctx-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'src', 'lib'), { recursive: true });
  mkdirSync(path.join(dir, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(path.join(dir, 'README.md'), 'x');
  const text = await buildStartupContext({
    threadId: 't0',
    messages: [{ role: 'user', text: 'fix the build' }, { role: 'assistant', text: 'done' }],
    recent: [
      { id: 't0', cwd: dir, title: 'this thread' },
      { id: 't1', cwd: '/a', title: 'one' },
      { id: 't2', cwd: '/b', title: 'two' },
      { id: 't3', cwd: '/a', title: 'three' },
    ],
    cwd: dir,
    home: null,
  });
  assert.ok(text.startsWith(`${STARTUP_CONTEXT_HEADER}\n\n## Current Thread\nuser: fix the build\nassistant: done\n\n## Recent Work\n- /a\n  - one\n  - three\n- /b\n  - two`), text);
  assert.ok(text.includes('## Machine / Workspace Map\ncwd: '));
  assert.ok(text.includes('  src/\n    lib/'));
  assert.ok(!text.includes('node_modules') && !text.includes('this thread'));
  assert.ok(text.includes('## Notes\n'));
});
