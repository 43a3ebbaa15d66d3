// What the browser may load: every page `serve` answers carries a strict CSP (a fresh script nonce that
// Next puts on its own scripts, nothing remote, connect-src limited to our own host), nosniff,
// Referrer-Policy and frame-ancestors (X-Frame-Options DENY unless [web] frame_ancestors names embedders).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeFixture } from '../support/fixtures';
import { ServerProcess } from '../support/server-process';
import { httpRequest, startServe, type HttpResult, type ServeProcess } from '../support/serve-process';

async function logIn(s: ServeProcess): Promise<string> {
  const res = await httpRequest(`${s.base}/?token=${s.token}`);
  assert.equal(res.status, 303);
  return ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]!.split(';')[0]!;
}

function directives(res: HttpResult): Map<string, string[]> {
  const csp = res.headers['content-security-policy'];
  assert.equal(typeof csp, 'string', `no CSP header: ${JSON.stringify(res.headers)}`);
  const out = new Map<string, string[]>();
  for (const d of (csp as string).split(';')) {
    const [name, ...sources] = d.trim().split(/\s+/);
    if (name) out.set(name, sources);
  }
  return out;
}

/** The headers every response gets, whatever produced it. */
function assertBaseline(res: HttpResult, what: string, frameAncestors: string[] = ["'none'"]): void {
  assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
  assert.deepEqual(directives(res).get('frame-ancestors'), frameAncestors, what);
  if (frameAncestors[0] === "'none'") assert.equal(res.headers['x-frame-options'], 'DENY', what);
  else assert.equal(res.headers['x-frame-options'], undefined, `${what}: no X-Frame-Options DENY next to allowed embedders`);
}

/** A Next page: the strict policy, and the nonce on every script Next rendered. */
function assertPagePolicy(res: HttpResult, s: ServeProcess, what: string): string {
  const d = directives(res);
  assert.deepEqual(d.get('default-src'), ["'self'"], what);
  const script = d.get('script-src') ?? [];
  assert.equal(script[0], "'self'", what);
  const nonce = /^'nonce-([A-Za-z0-9+/]+={0,2})'$/.exec(script[1] ?? '')?.[1];
  assert.ok(nonce, `${what}: script-src carries a nonce: ${script.join(' ')}`);
  assert.equal(script.length, 2, `${what}: nothing else may run scripts (no 'unsafe-inline', no 'unsafe-eval' outside --dev): ${script.join(' ')}`);
  assert.deepEqual(d.get('style-src'), ["'self'", `'nonce-${nonce}'`], what);
  assert.deepEqual(d.get('img-src'), ["'self'", 'data:', 'blob:'], what);
  assert.deepEqual(d.get('media-src'), ["'self'", 'blob:'], what);
  assert.deepEqual(d.get('font-src'), ["'self'"], what);
  assert.deepEqual(d.get('frame-src'), ["'none'"], what);
  const host = `127.0.0.1:${s.port}`;
  assert.deepEqual(d.get('connect-src'), ["'self'", `ws://${host}`, `wss://${host}`], what);
  assert.deepEqual(d.get('object-src'), ["'none'"], what);
  assert.deepEqual(d.get('base-uri'), ["'none'"], what);
  assert.deepEqual(d.get('form-action'), ["'self'"], what);
  // No remote origin anywhere: every source is a keyword, a scheme, a nonce or our own host.
  for (const [name, sources] of d) {
    for (const src of sources) {
      if (name === 'frame-ancestors') continue;
      assert.match(src, /^('[a-z-]+'|'nonce-[^']+'|data:|blob:|wss?:\/\/127\.0\.0\.1:\d+)$/, `${what}: ${name} ${src}`);
    }
  }
  // Next put the nonce on its scripts (else the page would not hydrate under this CSP).
  const scripts = res.body.match(/<script\b[^>]*>/g) ?? [];
  assert.ok(scripts.length > 0, `${what}: the page has scripts`);
  for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `${what}: script without the nonce: ${tag}`);
  return nonce!;
}

test('every page carries the CSP, nosniff, Referrer-Policy and frame-ancestors none', async (t) => {
  const { home } = await homeFixture(t);
  const s = await startServe(t, home.dir);
  const cookie = await logIn(s);
  const get = (path: string, headers: Record<string, string> = {}) => httpRequest(`${s.base}${path}`, { headers: { cookie, ...headers } });

  await t.test('/ and /settings: the page policy with a fresh nonce on every request', async () => {
    const home1 = await get('/');
    assert.equal(home1.status, 200);
    assertBaseline(home1, '/');
    const n1 = assertPagePolicy(home1, s, '/');
    const n2 = assertPagePolicy(await get('/'), s, '/ again');
    assert.notEqual(n1, n2, 'a nonce is never reused');
    const settings = await get('/settings');
    assert.equal(settings.status, 200);
    assertBaseline(settings, '/settings');
    assertPagePolicy(settings, s, '/settings');
  });

  await t.test('a thread page and a 404', async () => {
    const thread = await get('/t/some-thread');
    assertBaseline(thread, '/t/some-thread');
    assertPagePolicy(thread, s, '/t/some-thread');
    const missing = await get('/no/such/page');
    assert.equal(missing.status, 404);
    assertBaseline(missing, '404');
    assertPagePolicy(missing, s, '404');
  });

  await t.test('a client cannot pick the nonce Next trusts', async () => {
    const res = await get('/', { 'content-security-policy': "script-src 'nonce-chosenbyclient'", 'content-security-policy-report-only': "script-src 'nonce-chosenbyclient'" });
    const nonce = assertPagePolicy(res, s, 'spoofed request CSP');
    assert.notEqual(nonce, 'chosenbyclient');
    assert.doesNotMatch(res.body, /chosenbyclient/);
  });

  await t.test('the login page keeps its own script-free policy', async () => {
    const login = await httpRequest(`${s.base}/settings`);
    assert.equal(login.status, 401);
    assertBaseline(login, 'login page');
    const d = directives(login);
    assert.deepEqual(d.get('default-src'), ["'none'"]);
    assert.equal(d.get('script-src'), undefined, 'no scripts at all (default-src none)');
    const bad = await httpRequest(`${s.base}/?token=wrong`);
    assert.equal(bad.status, 401);
    assertBaseline(bad, 'bad token page');
  });

  await t.test('non-page responses get the baseline and a load-nothing policy', async () => {
    for (const path of ['/healthz', `/api/trpc/thread.list?input=${encodeURIComponent('{}')}`, '/rpc']) {
      const res = await get(path);
      assertBaseline(res, path);
      assert.deepEqual(directives(res).get('default-src'), ["'none'"], path);
    }
  });
});

test('[web] frame_ancestors names who may embed the app; then no X-Frame-Options DENY', async (t) => {
  const { home } = await homeFixture(t);
  const s = await startServe(t, home.dir, { args: ['-c', 'web.frame_ancestors=["https://a.example", "http://intranet.example:8080"]'] });
  const cookie = await logIn(s);
  const allowed = ['https://a.example', 'http://intranet.example:8080'];
  for (const path of ['/', '/settings', '/no/such/page']) {
    const res = await httpRequest(`${s.base}${path}`, { headers: { cookie } });
    assertBaseline(res, path, allowed);
    assertPagePolicy(res, s, path);
  }
  assertBaseline(await httpRequest(`${s.base}/`), 'login page', allowed);
  assertBaseline(await httpRequest(`${s.base}/healthz`), '/healthz', allowed);
});

test('an entry of [web] frame_ancestors that is not an http(s) origin stops serve at startup', async (t) => {
  const { home } = await homeFixture(t);
  for (const bad of ['https://a.example/', 'https://a.example/path', 'ftp://a.example', '*', "https://a.example 'unsafe-inline'", 'https://A.example']) {
    const server = new ServerProcess({ home: home.dir, command: 'serve', args: ['--port', '0', '-c', `web.frame_ancestors=[${JSON.stringify(bad)}]`] });
    t.after(() => server.kill());
    const status = await server.waitForExit();
    assert.equal(status.code, 2, `${bad}: ${server.stderrTail()}`);
    assert.match(server.stderr, /web\.frame_ancestors\.0: .* is not an origin: write scheme:\/\/host\[:port\]/, bad);
    assert.ok(server.stderr.includes(JSON.stringify(bad)), `the message names the bad value ${bad}: ${server.stderr}`);
  }
});
