// command/exec end to end on the real server: buffered and streamed output, stdin streaming, terminate, timeout,
// output caps, a PTY, the sandbox, and processes dying with the connection that started them.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { homeFixture, stdioServer, wsServer } from '../support/fixtures';
import type { RpcClient } from '../support/rpc-client';

interface Delta {
  processId: string;
  stream: 'stdout' | 'stderr';
  deltaBase64: string;
  capReached: boolean;
}
interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const FULL_ACCESS = { type: 'dangerFullAccess' };

async function setup(t: TestContext) {
  const { home } = await homeFixture(t); // config.toml: sandbox_mode = "read-only"
  const work = mkdtempSync(path.join(os.tmpdir(), 'codex-web-exec-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const c = stdioServer(t, home.dir);
  await c.initialize();
  return { c, home, work };
}

/** Every delta received so far for processId, in order. */
function deltasOf(c: RpcClient, processId: string): Delta[] {
  return c
    .notificationsSeen()
    .filter((n) => n.method === 'command/exec/outputDelta' && n.params.processId === processId)
    .map((n) => n.params as unknown as Delta);
}

const joined = (deltas: Delta[], stream: 'stdout' | 'stderr') =>
  Buffer.concat(deltas.filter((d) => d.stream === stream).map((d) => Buffer.from(d.deltaBase64, 'base64'))).toString('utf8');

/** Reads deltas for processId until their stdout contains `text`. */
async function readStdoutUntil(c: RpcClient, processId: string, text: string): Promise<string> {
  for (;;) {
    const out = joined(deltasOf(c, processId), 'stdout');
    if (out.includes(text)) return out;
    await c.readUntilNotification<Delta>('command/exec/outputDelta', (p) => p.processId === processId);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('buffered exec returns stdout, stderr and the exit code, in the requested cwd, under the configured sandbox', async (t) => {
  const { c, work } = await setup(t);
  const r = await c.request<ExecResult>('command/exec', { command: ['sh', '-c', 'printf out; printf err >&2; pwd >&2; exit 3'], cwd: work });
  assert.deepEqual(r, { exitCode: 3, stdout: 'out', stderr: `err${work}\n` });

  // The config's read-only sandbox applies; an explicit policy overrides it (positive control).
  const denied = await c.request<ExecResult>('command/exec', { command: ['touch', 'made-here'], cwd: work });
  assert.notEqual(denied.exitCode, 0);
  assert.match(denied.stderr, /Read-only file system/);
  assert.equal(existsSync(path.join(work, 'made-here')), false);
  const allowed = await c.request<ExecResult>('command/exec', { command: ['touch', 'made-here'], cwd: work, sandboxPolicy: FULL_ACCESS });
  assert.equal(allowed.exitCode, 0);
  assert.equal(existsSync(path.join(work, 'made-here')), true);

  // env overrides merge into the server environment; null unsets.
  const env = await c.request<ExecResult>('command/exec', { command: ['sh', '-c', 'echo "$FOO-${HOME:-unset}"'], env: { FOO: 'bar', HOME: null } });
  assert.equal(env.stdout, 'bar-unset\n');
  assert.equal(deltasOf(c, '').length, 0, 'buffered execs stream nothing');
});

test('streamed output arrives as deltas before the response and concatenates to the output', async (t) => {
  const { c } = await setup(t);
  const script = 'for i in 1 2 3; do echo line$i; sleep 0.05; done; echo oops >&2; exit 7';
  const id = c.send('command/exec', { command: ['sh', '-c', script], processId: 'stream-1', streamStdoutStderr: true });
  const res = await c.readUntilResponse<ExecResult>(id);
  assert.deepEqual(res.result, { exitCode: 7, stdout: '', stderr: '' }, 'streamed bytes are not repeated in the response');
  const deltas = deltasOf(c, 'stream-1');
  assert.ok(deltas.length >= 2, `expected several deltas, got ${deltas.length}`);
  assert.equal(joined(deltas, 'stdout'), 'line1\nline2\nline3\n');
  assert.equal(joined(deltas, 'stderr'), 'oops\n');
  assert.ok(deltas.every((d) => d.capReached === false));
  const at = c.received.findIndex((m) => m.id === id);
  const lastDelta = c.received.findLastIndex((m) => m.method === 'command/exec/outputDelta');
  assert.ok(lastDelta < at, 'every delta precedes the response');
});

test('stdin streaming: write bytes, then closeStdin ends the process', async (t) => {
  const { c } = await setup(t);
  const id = c.send('command/exec', { command: ['cat'], processId: 'cat-1', streamStdin: true, streamStdoutStderr: true });
  assert.deepEqual(await c.request('command/exec/write', { processId: 'cat-1', deltaBase64: b64('hello\n') }), {});
  assert.equal(await readStdoutUntil(c, 'cat-1', 'hello\n'), 'hello\n');
  await c.request('command/exec/write', { processId: 'cat-1', deltaBase64: b64('world'), closeStdin: true });
  const res = await c.readUntilResponse<ExecResult>(id);
  assert.equal(res.result.exitCode, 0);
  assert.equal(joined(deltasOf(c, 'cat-1'), 'stdout'), 'hello\nworld');

  // Once it exited the id is free, and follow-ups no longer find it.
  const gone = await c.requestError('command/exec/write', { processId: 'cat-1', deltaBase64: b64('x') });
  assert.equal(gone.code, -32600);
  assert.equal(gone.message, 'no active command/exec for process id "cat-1"');

  // Buffered stdin: the process reads what was written, the response carries the output.
  const id2 = c.send('command/exec', { command: ['cat'], processId: 'cat-2', streamStdin: true });
  await c.request('command/exec/write', { processId: 'cat-2', deltaBase64: b64('buffered'), closeStdin: true });
  assert.deepEqual((await c.readUntilResponse<ExecResult>(id2)).result, { exitCode: 0, stdout: 'buffered', stderr: '' });
});

test('write, resize and terminate reject unknown ids and processes that did not ask for them', async (t) => {
  const { c } = await setup(t);
  for (const [method, params] of [
    ['command/exec/write', { processId: 'nope', deltaBase64: b64('x') }],
    ['command/exec/resize', { processId: 'nope', size: { rows: 10, cols: 10 } }],
    ['command/exec/terminate', { processId: 'nope' }],
  ] as const) {
    const err = await c.requestError(method, params);
    assert.equal(err.code, -32600, method);
    assert.equal(err.message, 'no active command/exec for process id "nope"');
  }
  const empty = await c.requestError('command/exec', { command: [] });
  assert.deepEqual(empty, { code: -32600, message: 'command must not be empty' });
  const noId = await c.requestError('command/exec', { command: ['true'], streamStdoutStderr: true });
  assert.equal(noId.code, -32600);
  assert.match(noId.message, /requires a client-supplied processId/);

  const id = c.send('command/exec', { command: ['sleep', '30'], processId: 'quiet', disableTimeout: true });
  const dup = await c.requestError('command/exec', { command: ['true'], processId: 'quiet' });
  assert.deepEqual(dup, { code: -32600, message: 'duplicate active command/exec process id: "quiet"' });
  const noStdin = await c.requestError('command/exec/write', { processId: 'quiet', deltaBase64: b64('x') });
  assert.deepEqual(noStdin, { code: -32600, message: 'stdin streaming is not enabled for this command/exec' });
  const noTty = await c.requestError('command/exec/resize', { processId: 'quiet', size: { rows: 5, cols: 5 } });
  assert.equal(noTty.code, -32600);
  await c.request('command/exec/terminate', { processId: 'quiet' });
  assert.equal((await c.readUntilResponse<ExecResult>(id)).result.exitCode, 137);
});

test('terminate kills a long-running command; a timeout ends one with exit code 124', async (t) => {
  const { c } = await setup(t);
  const started = Date.now();
  const id = c.send('command/exec', {
    command: ['sh', '-c', 'echo started; exec sleep 30'],
    processId: 'sleeper',
    streamStdoutStderr: true,
    sandboxPolicy: FULL_ACCESS,
  });
  await readStdoutUntil(c, 'sleeper', 'started\n');
  assert.deepEqual(await c.request('command/exec/terminate', { processId: 'sleeper' }), {});
  const res = await c.readUntilResponse<ExecResult>(id);
  assert.equal(res.result.exitCode, 137);
  assert.ok(Date.now() - started < 5000);

  const t0 = Date.now();
  const timedOut = await c.request<ExecResult>('command/exec', { command: ['sh', '-c', 'echo before; exec sleep 30'], timeoutMs: 300 });
  assert.deepEqual(timedOut, { exitCode: 124, stdout: 'before\n', stderr: '' });
  assert.ok(Date.now() - t0 < 5000, 'the timeout fired');
});

test('outputBytesCap truncates each stream; the last streamed chunk says capReached', async (t) => {
  const { c } = await setup(t);
  const buffered = await c.request<ExecResult>('command/exec', { command: ['sh', '-c', 'printf 0123456789; printf abcdefghij >&2'], outputBytesCap: 4 });
  assert.deepEqual(buffered, { exitCode: 0, stdout: '0123', stderr: 'abcd' });

  // 3 MB of output against a 4-byte cap: the rest is drained (the command finishes) but not sent.
  const id = c.send('command/exec', {
    command: ['sh', '-c', 'yes | head -c 3000000; echo done >&2'],
    processId: 'capped',
    streamStdoutStderr: true,
    outputBytesCap: 4,
  });
  assert.equal((await c.readUntilResponse<ExecResult>(id)).result.exitCode, 0);
  const deltas = deltasOf(c, 'capped');
  assert.equal(joined(deltas, 'stdout'), 'y\ny\n');
  assert.equal(joined(deltas, 'stderr'), 'done');
  const stdout = deltas.filter((d) => d.stream === 'stdout');
  assert.equal(stdout.at(-1)?.capReached, true);
  assert.ok(stdout.slice(0, -1).every((d) => !d.capReached));

  const both = await c.requestError('command/exec', { command: ['true'], outputBytesCap: 4, disableOutputCap: true });
  assert.equal(both.code, -32602);
});

test('tty: output comes from a terminal of the requested size, resize and stdin reach it', async (t) => {
  const { c } = await setup(t);
  const id = c.send('command/exec', {
    command: ['sh', '-c', 'stty size; test -t 0 && echo is-a-tty; read line; echo got:$line; stty size'],
    processId: 'term',
    tty: true,
    size: { rows: 10, cols: 20 },
  });
  await readStdoutUntil(c, 'term', 'is-a-tty');
  assert.match(joined(deltasOf(c, 'term'), 'stdout'), /^10 20\r\n/);
  assert.deepEqual(await c.request('command/exec/resize', { processId: 'term', size: { rows: 30, cols: 90 } }), {});
  await c.request('command/exec/write', { processId: 'term', deltaBase64: b64('hi\n') });
  const res = await c.readUntilResponse<ExecResult>(id);
  assert.deepEqual(res.result, { exitCode: 0, stdout: '', stderr: '' });
  const out = joined(deltasOf(c, 'term'), 'stdout');
  assert.match(out, /got:hi\r\n30 90\r\n$/);
  assert.ok(deltasOf(c, 'term').every((d) => d.stream === 'stdout'), 'a terminal multiplexes onto stdout');

  const sizeWithoutTty = await c.requestError('command/exec', { command: ['true'], size: { rows: 1, cols: 1 } });
  assert.equal(sizeWithoutTty.code, -32602);
});

test('at most 16 processes per connection; the 17th is refused with -32001', async (t) => {
  const { c } = await setup(t);
  const ids = [];
  for (let i = 0; i < 16; i++) {
    ids.push(c.send('command/exec', { command: ['sh', '-c', 'echo up; exec sleep 30'], processId: `p${i}`, streamStdoutStderr: true }));
  }
  for (let i = 0; i < 16; i++) await readStdoutUntil(c, `p${i}`, 'up');
  const refused = await c.requestError('command/exec', { command: ['true'] });
  assert.equal(refused.code, -32001);
  for (let i = 0; i < 16; i++) await c.request('command/exec/terminate', { processId: `p${i}` });
  for (const id of ids) assert.equal((await c.readUntilResponse<ExecResult>(id)).result.exitCode, 137);
  assert.equal((await c.request<ExecResult>('command/exec', { command: ['true'] })).exitCode, 0);
});

test('a process started on a websocket connection is killed when that connection closes', async (t) => {
  const { home } = await homeFixture(t);
  const server = await wsServer(t, home.dir);
  const ws = await server.connect();
  await ws.initialize();
  ws.send('command/exec', {
    command: ['sh', '-c', 'echo $$; exec sleep 30'],
    processId: 'orphan',
    streamStdoutStderr: true,
    disableTimeout: true,
    sandboxPolicy: FULL_ACCESS, // so the printed pid is the host's, not one inside a PID namespace
  });
  const pid = Number((await readStdoutUntil(ws, 'orphan', '\n')).trim());
  assert.ok(pid > 1 && alive(pid), `the command runs (pid ${pid})`);

  // Another connection cannot see or stop it: processIds are connection-scoped.
  const other = await server.connect();
  await other.initialize();
  assert.equal((await other.requestError('command/exec/terminate', { processId: 'orphan' })).code, -32600);
  assert.ok(alive(pid));

  ws.close();
  const deadline = Date.now() + 5000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  assert.equal(alive(pid), false, 'the process died with its connection');
  // The server goes on serving the other connection.
  assert.equal((await other.request<ExecResult>('command/exec', { command: ['echo', 'ok'] })).stdout, 'ok\n');
});
