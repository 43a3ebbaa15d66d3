// Seed 000 (experimental_api.rs): without the experimentalApi capability, experimental methods,
// fields and enum variants are refused before any lookup; plain thread/start still works.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { homeFixture, stdioServer } from '../support/fixtures';
import { createTempHome } from '../support/home';
import type { RpcErrorBody, ThreadSessionResult } from '../support/wire';

function assertExperimentalCapabilityError(error: RpcErrorBody, reason: string): void {
  assert.equal(error.code, -32600);
  assert.equal(error.message, `${reason} requires experimentalApi capability`);
  assert.equal(error.data, undefined);
  assert.ok(!Object.hasOwn(error, 'data'), 'error.data must be absent');
}

/** A fresh server initialized with experimentalApi:false; `withConfig` adds the mock provider. */
async function client(t: TestContext, withConfig: boolean) {
  let home: string;
  if (withConfig) home = (await homeFixture(t)).home.dir;
  else {
    const h = createTempHome();
    t.after(() => h.remove());
    home = h.dir;
  }
  const c = stdioServer(t, home);
  const init = await c.initialize({ experimentalApi: false });
  assert.equal(typeof init.userAgent, 'string');
  return c;
}

test('mock/experimentalMethod requires the experimentalApi capability', async (t) => {
  const c = await client(t, false);
  assertExperimentalCapabilityError(await c.requestError('mock/experimentalMethod', {}), 'mock/experimentalMethod');
});

test('thread/realtime/start requires the experimentalApi capability', async (t) => {
  const c = await client(t, false);
  const error = await c.requestError('thread/realtime/start', {
    threadId: 'thr_123',
    outputModality: 'audio',
    prompt: 'hello',
    realtimeSessionId: null,
    transport: null,
    voice: null,
  });
  assertExperimentalCapabilityError(error, 'thread/realtime/start');
});

test('thread/memoryMode/set requires the experimentalApi capability', async (t) => {
  const c = await client(t, false);
  const error = await c.requestError('thread/memoryMode/set', { threadId: 'thr_123', mode: 'disabled' });
  assertExperimentalCapabilityError(error, 'thread/memoryMode/set');
});

test('thread/realtime/start over webrtc requires the experimentalApi capability', async (t) => {
  const c = await client(t, false);
  const error = await c.requestError('thread/realtime/start', {
    threadId: 'thr_123',
    outputModality: 'audio',
    prompt: 'hello',
    realtimeSessionId: null,
    transport: { type: 'webrtc', sdp: 'v=offer\r\n' },
    voice: null,
  });
  assertExperimentalCapabilityError(error, 'thread/realtime/start');
});

test('thread/start.mockExperimentalField requires the experimentalApi capability', async (t) => {
  const c = await client(t, true);
  const error = await c.requestError('thread/start', { mockExperimentalField: 'mock' });
  assertExperimentalCapabilityError(error, 'thread/start.mockExperimentalField');
});

test('thread/start without experimental fields is allowed without the capability', async (t) => {
  const c = await client(t, true);
  const result = await c.request<ThreadSessionResult>('thread/start', { model: 'mock-model' });
  assert.equal(typeof result.thread.id, 'string');
  assert.equal(result.model, 'mock-model');
  assert.equal(result.modelProvider, 'mock_provider');
});

test('askForApproval.granular requires the experimentalApi capability', async (t) => {
  const c = await client(t, true);
  const error = await c.requestError('thread/start', {
    approvalPolicy: {
      granular: { sandbox_approval: true, rules: false, skill_approval: false, request_permissions: true, mcp_elicitations: false },
    },
  });
  assertExperimentalCapabilityError(error, 'askForApproval.granular');
});
