// Bad input on both transports: each mistake gets its JSON-RPC error, the connection keeps
// answering, and the process stays up (docs/protocol.md#order-of-checks).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeFixture, stdioServer, wsServer } from '../support/fixtures';
import type { RpcClient } from '../support/rpc-client';

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** A config/read request padded to exactly `bytes` bytes (unknown params keys are ignored). */
function paddedRequest(id: number, bytes: number): string {
  const head = `{"id":${id},"method":"config/read","params":{"pad":"`;
  const tail = '"}}';
  return head + 'x'.repeat(bytes - head.length - tail.length) + tail;
}

async function assertStillAnswers(c: RpcClient): Promise<void> {
  const res = await c.request('config/read', {});
  assert.ok(res.config, 'config/read still answers');
}

/** Every Object.prototype name is just an unknown method: -32601, and the process stays up (it used to exit 1). */
const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), 'prototype', '__proto__'];

async function assertPrototypeNamesUnknown(c: RpcClient): Promise<void> {
  assert.ok(PROTOTYPE_NAMES.includes('constructor') && PROTOTYPE_NAMES.length >= 12);
  for (const name of PROTOTYPE_NAMES) {
    assert.deepEqual(await c.requestError(name, {}), { code: -32601, message: `Method not found: ${name}` }, name);
    assert.deepEqual(await c.requestError(name), { code: -32601, message: `Method not found: ${name}` }, `${name} without params`);
  }
  await assertStillAnswers(c);
}

test('stdio: every kind of bad input gets its error and the server stays up', async (t) => {
  const { home } = await homeFixture(t);
  const c = stdioServer(t, home.dir);

  // Before initialize: parse errors still come first, then "Not initialized".
  c.sendRaw('{"id": 1, "method": ');
  const early = await c.readUntilError(null);
  assert.equal(early.error.code, -32700);
  const notInit = await c.requestError('config/read', {});
  assert.deepEqual(notInit, { code: -32600, message: 'Not initialized' });
  const notInitUnknown = await c.requestError('no/such/method', {});
  assert.equal(notInitUnknown.message, 'Not initialized');

  await c.initialize();
  const again = await c.requestError('initialize', { clientInfo: { name: 'again', version: '1' } });
  assert.deepEqual(again, { code: -32600, message: 'Already initialized' });

  // Malformed JSON → -32700 with id null; the connection keeps working.
  for (const bad of ['{"id": 5, "method": "config/read"', 'not json at all']) {
    c.sendRaw(bad);
    const err = await c.readUntilError(null);
    assert.deepEqual(err.error, { code: -32700, message: 'Parse error' }, `parse error for ${bad}`);
    assert.equal(err.id, null);
    await assertStillAnswers(c);
  }
  // Valid JSON that is no request object (JSON-RPC 2.0: Invalid Request) → -32600 with id null.
  for (const bad of ['[1,2,3]', '42', '[{"id":1,"method":"config/read"}]', '{"id":3,"method":1}', '{"id":{},"method":"config/read"}', 'null']) {
    c.sendRaw(bad);
    const err = await c.readUntilError(null);
    assert.deepEqual(err.error, { code: -32600, message: 'Invalid Request' }, `invalid request for ${bad}`);
    assert.equal(err.id, null);
    await assertStillAnswers(c);
  }
  await assertPrototypeNamesUnknown(c);
  // A "jsonrpc" field is accepted.
  c.sendRaw('{"jsonrpc":"2.0","id":"with-version","method":"config/read","params":{}}');
  assert.ok((await c.readUntilResponse('with-version')).result.config);

  // Unknown method.
  assert.deepEqual(await c.requestError('no/such/method', {}), { code: -32601, message: 'Method not found: no/such/method' });

  // Wrong param types → -32602 naming the field.
  const wrongTypes: [string, unknown, string][] = [
    ['thread/read', { threadId: 42 }, 'threadId'],
    ['thread/list', { limit: 'ten' }, 'limit'],
    ['thread/list', { sortKey: 'title' }, 'sortKey'],
    ['thread/start', { ephemeral: 'yes' }, 'ephemeral'],
    ['thread/name/set', { threadId: 'x' }, 'name'],
  ];
  for (const [method, params, field] of wrongTypes) {
    const err = await c.requestError(method, params);
    assert.equal(err.code, -32602, `${method} ${JSON.stringify(params)}`);
    assert.match(err.message, new RegExp(field), `message names ${field}: ${err.message}`);
  }

  // Oversized lines → -32600 (id unknowable, so null); the next request is answered. One byte
  // over the limit, and far over it (the server stops buffering such a line mid-way).
  for (const size of [MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES + 3 * 1024 * 1024]) {
    c.sendRaw(paddedRequest(900, size));
    const tooBig = await c.readUntilError(null);
    assert.equal(tooBig.error.code, -32600, `${size} bytes`);
    assert.match(tooBig.error.message, /exceeds/);
    await assertStillAnswers(c);
  }
  // Just under the limit is an ordinary request.
  c.sendRaw(paddedRequest(901, MAX_MESSAGE_BYTES - 1024));
  assert.ok((await c.readUntilResponse(901)).result.config);

  // Domain errors.
  const badCursor = await c.requestError('thread/list', { cursor: 'definitely-not-a-cursor' });
  assert.equal(badCursor.code, -32600);
  assert.match(badCursor.message, /invalid cursor/);
  const wrongSortCursor = await c.requestError('thread/list', { cursor: Buffer.from('{"s":1}').toString('base64url') });
  assert.match(wrongSortCursor.message, /invalid cursor/);
  const missing = 'thr_does_not_exist';
  for (const method of ['thread/read', 'thread/archive', 'thread/unarchive', 'thread/resume']) {
    assert.deepEqual(await c.requestError(method, { threadId: missing }), { code: -32600, message: `thread ${missing} not found` }, method);
  }
  assert.deepEqual(await c.requestError('thread/name/set', { threadId: missing, name: 'x' }), { code: -32600, message: `thread ${missing} not found` });

  await assertStillAnswers(c);
  assert.equal(c.server.running, true, 'the process is still up');
  assert.deepEqual(c.violations, [], 'stdout carried JSON-RPC lines only');
});

test('websocket: malformed and oversized frames get errors and the socket stays open', async (t) => {
  const { home } = await homeFixture(t);
  const ws = await wsServer(t, home.dir);
  const c = await ws.connect();
  await c.initialize();

  c.sendRaw('{"id": 1, "method": ');
  const parse = await c.readUntilError(null);
  assert.equal(parse.error.code, -32700);
  await assertStillAnswers(c);

  c.sendRaw('[{"id":1,"method":"config/read"}]');
  assert.deepEqual((await c.readUntilError(null)).error, { code: -32600, message: 'Invalid Request' });
  await assertPrototypeNamesUnknown(c);

  c.sendRaw(paddedRequest(902, MAX_MESSAGE_BYTES + 1));
  const tooBig = await c.readUntilError(null);
  assert.equal(tooBig.error.code, -32600);
  await assertStillAnswers(c);
  assert.equal(c.isClosed, false);

  // Another connection is unaffected, and the process is still up.
  const other = await ws.connect();
  await other.initialize();
  await assertStillAnswers(other);
  assert.equal(ws.server.running, true);
  c.close();
  other.close();
});
