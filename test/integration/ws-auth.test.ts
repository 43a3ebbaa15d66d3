// WebSocket auth: no token is needed on loopback, but binding any other address requires
// --ws-auth capability-token, and then only clients presenting the bearer token get in.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { homeFixture, wsServer } from '../support/fixtures';
import { freePort } from '../support/ports';
import { ServerProcess } from '../support/server-process';
import { HandshakeRefused } from '../support/ws-client';

test('a non-loopback listener without --ws-auth refuses to start', async (t) => {
  const { home } = await homeFixture(t);
  const port = await freePort();
  const server = new ServerProcess({ home: home.dir, args: ['--listen', `ws://0.0.0.0:${port}`] });
  t.after(() => server.kill());
  const status = await server.waitForExit();
  assert.notEqual(status.code, 0, 'exits non-zero');
  assert.equal(status.signal, null);
  assert.match(server.stderr, /--ws-auth/, 'says which flag is missing');
});

test('with a capability token only clients sending the bearer token connect', async (t) => {
  const { home } = await homeFixture(t);
  const token = 'test-capability-token-0123456789';
  const tokenFile = path.join(home.dir, 'ws-token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const ws = await wsServer(t, home.dir, { host: '0.0.0.0', args: ['--ws-auth', 'capability-token', '--ws-token-file', tokenFile] });

  for (const headers of [undefined, { Authorization: 'Bearer wrong-token-wrong-token-00' }, { Authorization: token }, { Authorization: `Basic ${token}` }]) {
    await assert.rejects(ws.connect(headers), (err: unknown) => err instanceof HandshakeRefused && err.status === 401, `refused: ${JSON.stringify(headers)}`);
  }
  const c = await ws.connect({ Authorization: `Bearer ${token}` });
  const init = await c.initialize();
  assert.equal(typeof init.userAgent, 'string');
  assert.ok((await c.request('config/read', {})).config);
  c.close();
  assert.ok(!ws.server.stderr.includes(token), 'the token is never logged');
});

test('a loopback listener without a token refuses a non-loopback Host (DNS rebinding)', async (t) => {
  const { home } = await homeFixture(t);
  const ws = await wsServer(t, home.dir);
  const rebound = { Host: `rebind.example:${ws.port}`, Origin: `http://rebind.example:${ws.port}` };
  await assert.rejects(ws.connect(rebound), (err: unknown) => err instanceof HandshakeRefused && err.status === 403);
  // Positive control: a local client still connects without any token.
  const c = await ws.connect();
  assert.equal(typeof (await c.initialize()).userAgent, 'string');
  c.close();
});
