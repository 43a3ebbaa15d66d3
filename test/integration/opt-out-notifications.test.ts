// optOutNotificationMethods: a connection that opts out of a method never receives it, while
// other connections (and the opted-out connection's other notifications) are unaffected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { homeFixture, wsServer } from '../support/fixtures';
import type { RpcClient } from '../support/rpc-client';
import type { ThreadSessionResult, WireThread } from '../support/wire';

const startedFor = (c: RpcClient) => c.received.filter((m) => m.method === 'thread/started');

test('a connection that opts out of thread/started never receives it; others do', async (t) => {
  const { home } = await homeFixture(t);
  const ws = await wsServer(t, home.dir);
  const quiet = await ws.connect();
  const loud = await ws.connect();
  await quiet.initialize({ optOutNotificationMethods: ['thread/started'] });
  await loud.initialize();

  // A thread started by the other connection.
  const fromLoud = await loud.request<ThreadSessionResult>('thread/start', {});
  await loud.readUntilNotification<{ thread: WireThread }>('thread/started', (p) => p.thread.id === fromLoud.thread.id);
  // The quiet connection still gets the notifications it did not opt out of.
  await quiet.request('thread/name/set', { threadId: fromLoud.thread.id, name: 'renamed by quiet' });
  await quiet.readUntilNotification('thread/name/updated', (p) => p.threadId === fromLoud.thread.id);
  await loud.readUntilNotification('thread/name/updated', (p) => p.threadId === fromLoud.thread.id);

  // A thread started by the opted-out connection itself.
  const fromQuiet = await quiet.request<ThreadSessionResult>('thread/start', {});
  await loud.readUntilNotification<{ thread: WireThread }>('thread/started', (p) => p.thread.id === fromQuiet.thread.id);

  // Both broadcasts have gone out (loud saw them); a response on the quiet socket now comes after
  // anything the server sent it before, so thread/started would already be here.
  await quiet.request('config/read', {});
  assert.deepEqual(startedFor(quiet), []);
  assert.equal(startedFor(loud).length, 2);
  quiet.close();
  loud.close();
});
