// The thread API end to end on the real process: start → name → list/search → archive →
// unarchive → read → unsubscribe/unload, then a crash and restart on the same home.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeFixture, stdioServer } from '../support/fixtures';
import type { StdioClient } from '../support/server-process';
import type { ThreadListResult, ThreadSessionResult, WireThread } from '../support/wire';

const ids = (list: ThreadListResult) => list.data.map((t) => t.id);
const withoutStatus = ({ status: _status, ...rest }: WireThread) => rest;

/** Everything a restart must preserve: both listings (order included) and each thread with its turns. */
async function snapshot(c: StdioClient, threadIds: string[]) {
  const active = await c.request<ThreadListResult>('thread/list', { limit: 50 });
  const archived = await c.request<ThreadListResult>('thread/list', { limit: 50, archived: true });
  const byUpdate = await c.request<ThreadListResult>('thread/list', { limit: 50, sortKey: 'updated_at' });
  const reads = [];
  for (const threadId of threadIds) reads.push((await c.request<{ thread: WireThread }>('thread/read', { threadId, includeTurns: true })).thread);
  return {
    active: active.data.map(withoutStatus),
    archived: archived.data.map(withoutStatus),
    byUpdate: byUpdate.data.map(withoutStatus),
    reads: reads.map(withoutStatus),
  };
}

test('thread lifecycle survives a restart unchanged', async (t) => {
  const { home } = await homeFixture(t);
  const args = ['-c', 'thread_unload_grace_s=0.3'];
  const c = stdioServer(t, home.dir, args);
  await c.initialize();

  const started: WireThread[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await c.request<ThreadSessionResult>('thread/start', { model: 'mock-model' });
    const note = await c.readUntilNotification<{ thread: WireThread }>('thread/started', (p) => p.thread.id === res.thread.id);
    assert.equal(note.params.thread.id, res.thread.id);
    assert.deepEqual(res.thread.status, { type: 'idle' });
    assert.equal(res.thread.name, null);
    started.push(res.thread);
  }
  const [a, b, cc] = started.map((s) => s.id) as [string, string, string];

  // name/set → {} + thread/name/updated {threadId, threadName}
  assert.deepEqual(await c.request('thread/name/set', { threadId: a, name: 'Alpha project' }), {});
  const renamed = await c.readUntilNotification('thread/name/updated', (p) => p.threadId === a);
  assert.deepEqual(renamed.params, { threadId: a, threadName: 'Alpha project' });
  assert.deepEqual(await c.request('thread/name/set', { threadId: b, name: 'Beta notes' }), {});
  await c.readUntilNotification('thread/name/updated', (p) => p.threadId === b);

  // list: a thread with neither a message nor a name is not listed (as the reference); named ones are.
  assert.deepEqual(new Set(ids(await c.request<ThreadListResult>('thread/list', {}))), new Set([a, b]));
  await c.request('thread/name/set', { threadId: cc, name: 'Third thread' });
  await c.readUntilNotification('thread/name/updated', (p) => p.threadId === cc);
  // search by title.
  const all = await c.request<ThreadListResult>('thread/list', {});
  assert.deepEqual(new Set(ids(all)), new Set([a, b, cc]));
  assert.equal(all.nextCursor, null);
  assert.equal(all.data.find((x) => x.id === a)?.name, 'Alpha project');
  assert.deepEqual(ids(await c.request<ThreadListResult>('thread/list', { searchTerm: 'Alpha' })), [a]);
  assert.deepEqual(ids(await c.request<ThreadListResult>('thread/list', { searchTerm: 'project' })), [a]);
  assert.deepEqual(ids(await c.request<ThreadListResult>('thread/list', { searchTerm: 'Gamma' })), []);

  // archive: hidden from the default list, present with archived:true.
  assert.deepEqual(await c.request('thread/archive', { threadId: b }), {});
  assert.deepEqual((await c.readUntilNotification('thread/archived')).params, { threadId: b });
  assert.deepEqual(new Set(ids(await c.request<ThreadListResult>('thread/list', {}))), new Set([a, cc]));
  assert.deepEqual(ids(await c.request<ThreadListResult>('thread/list', { archived: true })), [b]);
  assert.deepEqual(ids(await c.request<ThreadListResult>('thread/list', { archived: true, searchTerm: 'Beta' })), [b]);
  assert.deepEqual(ids(await c.request<ThreadListResult>('thread/list', { searchTerm: 'Beta' })), []);

  // unarchive → {thread} + thread/unarchived; back in the default list.
  const unarchived = await c.request<{ thread: WireThread }>('thread/unarchive', { threadId: b });
  assert.equal(unarchived.thread.id, b);
  assert.equal(unarchived.thread.name, 'Beta notes');
  assert.deepEqual((await c.readUntilNotification('thread/unarchived')).params, { threadId: b });
  assert.deepEqual(new Set(ids(await c.request<ThreadListResult>('thread/list', {}))), new Set([a, b, cc]));
  assert.deepEqual(ids(await c.request<ThreadListResult>('thread/list', { archived: true })), []);

  // Leave one thread archived so the restart has an archived flag to keep.
  await c.request('thread/archive', { threadId: cc });
  await c.readUntilNotification('thread/archived', (p) => p.threadId === cc);

  // read
  const read = await c.request<{ thread: WireThread }>('thread/read', { threadId: a, includeTurns: true });
  assert.equal(read.thread.id, a);
  assert.equal(read.thread.name, 'Alpha project');
  assert.deepEqual(read.thread.turns, []);
  assert.deepEqual(read.thread.status, { type: 'idle' });

  // unsubscribe: unsubscribed, then notSubscribed; after the grace period the thread unloads.
  assert.deepEqual(await c.request('thread/unsubscribe', { threadId: a }), { status: 'unsubscribed' });
  assert.deepEqual(await c.request('thread/unsubscribe', { threadId: a }), { status: 'notSubscribed' });
  const statusChanged = await c.readUntilNotification('thread/status/changed', (p) => p.threadId === a);
  assert.deepEqual(statusChanged.params, { threadId: a, status: { type: 'notLoaded' } });
  const closed = await c.readUntilNotification('thread/closed', (p) => p.threadId === a);
  assert.deepEqual(closed.params, { threadId: a });
  assert.ok(c.received.indexOf(statusChanged) < c.received.indexOf(closed), 'status/changed precedes thread/closed');
  const loaded = await c.request<{ data: string[]; nextCursor: string | null }>('thread/loaded/list', {});
  assert.deepEqual(new Set(loaded.data), new Set([b, cc]));
  assert.deepEqual(await c.request('thread/unsubscribe', { threadId: a }), { status: 'notLoaded' });
  const unloaded = await c.request<{ thread: WireThread }>('thread/read', { threadId: a });
  assert.deepEqual(unloaded.thread.status, { type: 'notLoaded' });
  // Still subscribed threads never unloaded.
  assert.equal(c.received.some((m) => m.method === 'thread/closed' && (m.params as { threadId: string }).threadId !== a), false);

  const before = await snapshot(c, [a, b, cc]);
  assert.deepEqual(new Set(before.active.map((x) => x.id)), new Set([a, b]));
  assert.deepEqual(before.archived.map((x) => x.id), [cc]);

  // Crash (SIGKILL: nothing flushed at exit) and restart on the same home.
  await c.server.kill('SIGKILL');
  const restarted = stdioServer(t, home.dir, args);
  await restarted.initialize();
  const after = await snapshot(restarted, [a, b, cc]);
  assert.deepEqual(after, before);
  assert.deepEqual(after.reads.map((x) => [x.name, x.turns]), [['Alpha project', []], ['Beta notes', []], ['Third thread', []]]);
  const statuses = await restarted.request<ThreadListResult>('thread/list', {});
  assert.ok(statuses.data.every((x) => x.status.type === 'notLoaded'), 'nothing is loaded after a restart');
});
