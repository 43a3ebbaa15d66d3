// Access control for `serve`: an access token made on first start (0600 in the home) and printed as
// a login link; the browser trades it for an HttpOnly SameSite=Strict cookie; /rpc clients send it
// as a bearer token; WebSocket upgrades check Origin; tRPC writes need same-origin + x-codex-web.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { homeFixture } from '../support/fixtures';
import { ServerProcess } from '../support/server-process';
import { httpRequest, startServe, type ServeProcess } from '../support/serve-process';
import { connectWs, HandshakeRefused } from '../support/ws-client';

const listInput = encodeURIComponent(JSON.stringify({}));

/** Logs in through the login link and returns the `name=value` cookie pair it set. */
async function logIn(s: ServeProcess): Promise<string> {
  const res = await httpRequest(`${s.base}/?token=${s.token}`);
  assert.equal(res.status, 303);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  assert.equal(setCookie.length, 1);
  return setCookie[0]!.split(';')[0]!;
}

const refusedWith = (status: number) => (err: unknown) => err instanceof HandshakeRefused && err.status === status;

test('serve requires the access token everywhere but the health checks', async (t) => {
  const { home } = await homeFixture(t);
  const s = await startServe(t, home.dir);
  const token = s.token!;
  assert.match(token, /^[A-Za-z0-9_-]{43,}$/, '32+ random bytes, base64url');
  assert.equal(new URL(s.loginLink!).origin, s.base);

  await t.test('the token file is ours, 0600, and holds the printed token', () => {
    const file = path.join(home.dir, 'codex-web-access-token');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), token);
  });

  await t.test('health checks stay open', async () => {
    assert.equal((await httpRequest(`${s.base}/healthz`)).status, 200);
    assert.equal((await httpRequest(`${s.base}/readyz`)).status, 200);
  });

  await t.test('without the token the app, /api/trpc and /rpc refuse', async () => {
    const page = await httpRequest(`${s.base}/`);
    assert.equal(page.status, 401);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /<h1>Sign in to Codex Web<\/h1>/);
    assert.match(page.body, /login link/);
    assert.equal((await httpRequest(`${s.base}/t/some-thread`)).status, 401);
    assert.equal((await httpRequest(`${s.base}/_next/static/chunks/main.js`)).status, 401);

    const list = await httpRequest(`${s.base}/api/trpc/thread.list?input=${listInput}`);
    assert.equal(list.status, 401);
    assert.equal(JSON.parse(list.body).error.data.code, 'UNAUTHORIZED');
    assert.equal((await httpRequest(`${s.base}/rpc`)).status, 401);

    const wsBase = s.base.replace('http', 'ws');
    await assert.rejects(connectWs(`${wsBase}/rpc`), refusedWith(401));
    await assert.rejects(connectWs(`${wsBase}/api/trpc`), refusedWith(401));
    await assert.rejects(connectWs(`${wsBase}/rpc`, { headers: { Authorization: 'Bearer wrong' } }), refusedWith(401));
    await assert.rejects(connectWs(`${wsBase}/rpc`, { headers: { Authorization: token } }), refusedWith(401), 'the scheme is required');
  });

  await t.test('a bad token is refused and sets no cookie', async () => {
    const res = await httpRequest(`${s.base}/?token=${token.slice(0, -2)}xx`);
    assert.equal(res.status, 401);
    assert.equal(res.headers['set-cookie'], undefined);
    assert.match(res.body, /not valid/);
    // The token form posts back to this origin, never to a `//host` taken from the request path.
    const offsite = await httpRequest(s.base, { rawPath: '/.//evil.example/x' });
    assert.equal(offsite.status, 401);
    assert.match(offsite.body, /<form method="get" action="\/evil\.example\/x">/);
    const bearer = await httpRequest(`${s.base}/api/trpc/thread.list?input=${listInput}`, { headers: { Authorization: 'Bearer nope' } });
    assert.equal(bearer.status, 401);
  });

  await t.test('the login link sets an HttpOnly SameSite=Strict cookie and redirects without the token', async () => {
    const res = await httpRequest(`${s.base}/t/abc?x=1&token=${token}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/t/abc?x=1');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0] ?? '';
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\//);
    assert.ok(!cookie.includes(token), 'the cookie is not the token');
  });

  const cookie = await logIn(s);
  const withCookie = { Cookie: cookie };

  await t.test('with the cookie the app renders and tRPC answers', async () => {
    const page = await httpRequest(`${s.base}/`, { headers: withCookie });
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/);
    assert.doesNotMatch(page.body, /Sign in to Codex Web/);
    const list = await httpRequest(`${s.base}/api/trpc/thread.list?input=${listInput}`, { headers: withCookie });
    assert.equal(list.status, 200, list.body);
    assert.ok(Array.isArray(JSON.parse(list.body).result.data.data));
    const viaBearer = await httpRequest(`${s.base}/api/trpc/thread.list?input=${listInput}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(viaBearer.status, 200);
  });

  await t.test('/rpc with Authorization: Bearer works', async () => {
    const c = await connectWs(`${s.base.replace('http', 'ws')}/rpc`, { headers: { Authorization: `Bearer ${token}` }, server: s.server });
    const init = await c.initialize();
    assert.equal(typeof init.userAgent, 'string');
    c.close();
  });

  await t.test('the protocol upgrade on / (codex --remote ws://host:port) follows the /rpc rules', async () => {
    const wsBase = s.base.replace('http', 'ws');
    const c = await connectWs(`${wsBase}/`, { headers: { Authorization: `Bearer ${token}` }, server: s.server });
    const init = await c.initialize();
    assert.equal(typeof init.userAgent, 'string');
    c.close();
    const viaCookie = await connectWs(`${wsBase}/`, { headers: { ...withCookie, Origin: s.base }, server: s.server });
    assert.equal(typeof (await viaCookie.initialize()).userAgent, 'string');
    viaCookie.close();
    await assert.rejects(connectWs(`${wsBase}/`), refusedWith(401), 'no token');
    await assert.rejects(connectWs(`${wsBase}/`, { headers: { Authorization: 'Bearer wrong' } }), refusedWith(401), 'wrong token');
    await assert.rejects(connectWs(`${wsBase}/`, { headers: { Authorization: token } }), refusedWith(401), 'the scheme is required');
    for (const headers of [{ Authorization: `Bearer ${token}` }, withCookie]) {
      await assert.rejects(connectWs(`${wsBase}/`, { headers: { ...headers, Origin: 'http://evil.example' } }), refusedWith(403), 'foreign Origin');
    }
    // A plain GET / is still the web app.
    const page = await httpRequest(`${s.base}/`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(page.status, 200);
    assert.match(page.body, /<html/);
  });

  await t.test('a cross-origin WebSocket upgrade is refused even with the cookie', async () => {
    const wsBase = s.base.replace('http', 'ws');
    for (const p of ['/rpc', '/api/trpc']) {
      await assert.rejects(connectWs(`${wsBase}${p}`, { headers: { ...withCookie, Origin: 'http://evil.example' } }), refusedWith(403), p);
    }
    const same = await connectWs(`${wsBase}/api/trpc`, { headers: { ...withCookie, Origin: s.base } });
    same.close();
  });

  await t.test('tRPC writes need a same-origin Origin (or Referer) and x-codex-web', async () => {
    const post = (headers: Record<string, string>) =>
      httpRequest(`${s.base}/api/trpc/thread.start`, { method: 'POST', headers: { ...withCookie, 'content-type': 'application/json', ...headers }, body: '{}' });
    const host = new URL(s.base).host;
    assert.equal((await post({ Origin: s.base })).status, 403, 'no custom header');
    assert.equal((await post({ Origin: 'http://evil.example', 'x-codex-web': '1' })).status, 403, 'foreign Origin');
    assert.equal((await post({ Origin: 'null', 'x-codex-web': '1' })).status, 403, 'opaque Origin');
    assert.equal((await post({ 'x-codex-web': '1' })).status, 403, 'neither Origin nor Referer');
    assert.equal((await post({ Referer: 'http://evil.example/x', 'x-codex-web': '1' })).status, 403, 'foreign Referer');
    const ok = await post({ Origin: s.base, 'x-codex-web': '1' });
    assert.equal(ok.status, 200, ok.body);
    assert.equal((await post({ Referer: `http://${host}/t/x`, 'x-codex-web': '1' })).status, 200, 'same-origin Referer');
    const anon = await httpRequest(`${s.base}/api/trpc/thread.start`, { method: 'POST', headers: { Origin: s.base, 'x-codex-web': '1' }, body: '{}' });
    assert.equal(anon.status, 401);
  });

  await t.test('the token appears in the log only on the login link line', () => {
    const lines = s.server.stderr.split('\n').filter((l) => l.includes(token));
    assert.equal(lines.length, 1, s.server.stderrTail());
    assert.match(lines[0]!, /^\s*Login link: http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  });
});

test('the token is reused on restart (sessions survive) and --rotate-token replaces it', async (t) => {
  const { home } = await homeFixture(t);
  const first = await startServe(t, home.dir);
  const cookie = await logIn(first);
  await first.server.kill('SIGTERM');

  const again = await startServe(t, home.dir);
  assert.equal(again.token, first.token);
  // The cookie name carries the port; the value is what must survive.
  const reuse = `${cookie.split('=')[0]!.replace(/\d+$/, String(again.port))}=${cookie.split('=')[1]}`;
  assert.equal((await httpRequest(`${again.base}/api/trpc/thread.list?input=${listInput}`, { headers: { Cookie: reuse } })).status, 200);
  await again.server.kill('SIGTERM');

  const rotated = await startServe(t, home.dir, { args: ['--rotate-token'] });
  assert.notEqual(rotated.token, first.token);
  assert.equal(readFileSync(path.join(home.dir, 'codex-web-access-token'), 'utf8').trim(), rotated.token);
  const old = `${cookie.split('=')[0]!.replace(/\d+$/, String(rotated.port))}=${cookie.split('=')[1]}`;
  assert.equal((await httpRequest(`${rotated.base}/api/trpc/thread.list?input=${listInput}`, { headers: { Cookie: old } })).status, 401);
});

test('--no-auth on a non-loopback host refuses to start', async (t) => {
  const { home } = await homeFixture(t);
  const server = new ServerProcess({ home: home.dir, command: 'serve', args: ['--host', '0.0.0.0', '--port', '0', '--no-auth'] });
  t.after(() => server.kill());
  const status = await server.waitForExit();
  assert.equal(status.code, 2);
  assert.match(server.stderr, /--no-auth is accepted only on a loopback --host/);
});

test('--no-auth on loopback needs no token but still refuses foreign Host names and cross-site writes', async (t) => {
  const { home } = await homeFixture(t);
  const s = await startServe(t, home.dir, { args: ['--no-auth'] });
  assert.equal((await httpRequest(`${s.base}/api/trpc/thread.list?input=${listInput}`)).status, 200);
  assert.match(s.server.stderr, /access control is off/);
  const rebound = await httpRequest(`${s.base}/api/trpc/thread.list?input=${listInput}`, { headers: { Host: `evil.example:${s.port}` } });
  assert.equal(rebound.status, 403, 'a DNS-rebound page cannot reach it');
  const write = await httpRequest(`${s.base}/api/trpc/thread.start`, { method: 'POST', headers: { Origin: 'http://evil.example', 'x-codex-web': '1' }, body: '{}' });
  assert.equal(write.status, 403);
});

test('with auth, serve binds 0.0.0.0', async (t) => {
  const { home } = await homeFixture(t);
  const s = await startServe(t, home.dir, { host: '0.0.0.0' });
  assert.match(s.loginLink!, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/, 'a link that works from this machine');
  assert.equal((await httpRequest(`${s.base}/`)).status, 401);
  const c = await connectWs(`${s.base.replace('http', 'ws')}/rpc`, { headers: { Authorization: `Bearer ${s.token}` }, server: s.server });
  assert.equal(typeof (await c.initialize()).userAgent, 'string');
  c.close();
});
