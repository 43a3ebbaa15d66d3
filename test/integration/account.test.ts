// API-key login: stored in <home>/codex-web-auth.json with mode 0600, announced by
// notifications, and never echoed in any response or log line.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { homeFixture, stdioServer } from '../support/fixtures';

const KEY = 'sk-test-123';

test('account login with an API key, read, and logout', async (t) => {
  const { home } = await homeFixture(t);
  const authFile = path.join(home.dir, 'codex-web-auth.json');
  const c = stdioServer(t, home.dir);
  await c.initialize();

  assert.deepEqual((await c.request('account/read', {})).account, null);
  assert.deepEqual(await c.request('account/login/start', { type: 'apiKey', apiKey: KEY }), { type: 'apiKey' });
  const completed = await c.readUntilNotification<{ success: boolean }>('account/login/completed');
  assert.equal(completed.params.success, true);
  const updated = await c.readUntilNotification<{ authMode: string | null }>('account/updated');
  assert.equal(updated.params.authMode, 'apikey');

  assert.ok(existsSync(authFile));
  assert.equal(statSync(authFile).mode & 0o777, 0o600);
  assert.deepEqual((await c.request('account/read', {})).account, { type: 'apiKey' });
  // config/read redacts secrets; nothing anywhere echoes the key.
  await c.request('config/read', { includeLayers: true });

  assert.deepEqual(await c.request('account/logout', {}), {});
  const loggedOut = await c.readUntilNotification<{ authMode: string | null }>('account/updated');
  assert.equal(loggedOut.params.authMode, null);
  assert.deepEqual((await c.request('account/read', {})).account, null);
  assert.equal(existsSync(authFile), false);

  // A rejected login (unsupported type) must not echo anything either.
  const err = await c.requestError('account/login/start', { type: 'chatgpt', apiKey: KEY });
  assert.equal(err.code, -32600);

  assert.ok(!JSON.stringify(c.received).includes(KEY), 'the key never appears in a response or notification');
  await c.server.kill('SIGTERM');
  assert.ok(c.server.stderr.length > 0, 'the server logged something, so the check below means something');
  assert.ok(!c.server.stderr.includes(KEY), 'the key never appears in the logs');
});
