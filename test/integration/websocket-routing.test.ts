// Seed 004 (websocket transport): each WebSocket connection is its own session with its own
// handshake, and the same request id on two connections routes independently.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeFixture, wsServer } from '../support/fixtures';

const initParams = (name: string) => ({ clientInfo: { name, title: 'WebSocket Test Client', version: '0.1.0' }, capabilities: null });

test('websocket transport routes per-connection handshake and responses', async (t) => {
  const { home } = await homeFixture(t);
  const ws = await wsServer(t, home.dir);
  const ws1 = await ws.connect();
  const ws2 = await ws.connect();

  ws1.send('initialize', initParams('ws_client_one'), 1);
  const firstInit = await ws1.readUntilResponse(1);
  assert.equal(firstInit.id, 1);

  // Initialize responses are request-scoped and must not leak to other connections.
  await ws2.assertNoMessage(250);

  ws2.send('config/read', { includeLayers: false }, 2);
  const notInitialized = await ws2.readUntilError(2);
  assert.equal(notInitialized.error.code, -32600);
  assert.equal(notInitialized.error.message, 'Not initialized');

  ws2.send('initialize', initParams('ws_client_two'), 3);
  const secondInit = await ws2.readUntilResponse(3);
  assert.equal(secondInit.id, 3);

  // Same request id on different connections must route independently.
  ws1.send('config/read', { includeLayers: false }, 77);
  ws2.send('config/read', { includeLayers: false }, 77);
  const ws1Config = await ws1.readUntilResponse(77);
  const ws2Config = await ws2.readUntilResponse(77);
  assert.equal(ws1Config.id, 77);
  assert.equal(ws2Config.id, 77);
  assert.ok(ws1Config.result.config, 'ws1 config/read result has config');
  assert.ok(ws2Config.result.config, 'ws2 config/read result has config');

  // Each connection got exactly its own answers: one per request it sent, nothing else.
  assert.deepEqual(ws1.received.map((m) => m.id), [1, 77]);
  assert.deepEqual(ws2.received.map((m) => m.id), [2, 3, 77]);
  ws1.close();
  ws2.close();
});
