import { expect, test, type WebSocket } from '@playwright/test';
import { conversation, createThread, finishedConversation, openThread, sendPrompt } from '../fixtures/app';
import { startTcpProxy } from '../../testkit/tcp-proxy';

interface Frames {
  sent: string[];
  received: string[];
}

function record(ws: WebSocket, log: Frames[]): void {
  const f: Frames = { sent: [], received: [] };
  log.push(f);
  ws.on('framesent', (e) => f.sent.push(String(e.payload)));
  ws.on('framereceived', (e) => f.received.push(String(e.payload)));
}

type Msg = { method?: string; params?: { path?: string; lastEventId?: string }; result?: { type?: string; id?: string; data?: { data?: { type?: string } } } };

/** tRPC's WebSocket frames hold one message or a batch of them. */
const messages = (frames: string[]): Msg[] => frames.flatMap((raw) => [JSON.parse(raw) as Msg | Msg[]].flat());

/** The tracked ids of thread.onEvents data messages, and whether each was a snapshot or an event. */
function events(frames: string[]): { id: string; type: string }[] {
  return messages(frames)
    .filter((m) => m.result?.type === 'data' && m.result.id && m.result.data?.data?.type)
    .map((m) => ({ id: m.result!.id!, type: m.result!.data!.data!.type! }));
}

test('a WebSocket cut mid-turn resumes from the last event id: nothing lost, nothing doubled', async ({ page, browser, request, baseURL }) => {
  test.setTimeout(60_000);
  const proxy = await startTcpProxy(Number(new URL(baseURL!).port));
  const viaProxy = `http://127.0.0.1:${proxy.port}`;
  const threadId = await createThread(request, 'Reconnect thread');

  // An uninterrupted observer, straight to the server.
  const observerContext = await browser.newContext();
  const observer = await observerContext.newPage();
  await openThread(observer, threadId);

  const sockets: Frames[] = [];
  page.on('websocket', (ws) => record(ws, sockets));
  await openThread(page, threadId, viaProxy);
  await sendPrompt(page, 'Stream slowly so I can cut the socket [e2e:slow]');

  // Mid-answer: cut the browser's WebSocket at the server end of the wire.
  await expect(conversation(page).getByTestId('agent-message')).toContainText('Slow and steady');
  await expect(conversation(page).getByTestId('turn-status')).toHaveText('Working…');
  const before = events(sockets[0]!.received);
  expect(proxy.dropWebSockets()).toBe(1);
  await expect(page.getByTestId('connection')).toHaveText(/Reconnecting|Connecting/);
  await expect(page.getByTestId('connection')).toHaveText('Live', { timeout: 10_000 });
  expect(proxy.webSocketsSeen).toBe(2);

  const uninterrupted = await finishedConversation(observer);
  const resumed = await finishedConversation(page);
  expect(resumed).toBe(uninterrupted);
  expect(resumed).toContain('Done: the stream is complete.');
  // A fresh load (the server's persisted view) matches too.
  const fresh = await browser.newContext();
  const freshPage = await fresh.newPage();
  await openThread(freshPage, threadId);
  expect(await finishedConversation(freshPage)).toBe(uninterrupted);

  // The client resubscribed with the id of the last event it had applied, and the server replayed
  // from there (events, not a new snapshot) with no id twice across both sockets.
  const lastBefore = events(sockets[0]!.received).at(-1)!.id;
  expect(before.length).toBeGreaterThan(3);
  const resubscribe = messages(sockets[1]!.sent).find((m) => m.method === 'subscription' && m.params?.path === 'thread.onEvents');
  expect(resubscribe?.params?.lastEventId).toBe(lastBefore);
  const after = events(sockets[1]!.received);
  expect(after.length).toBeGreaterThan(0);
  expect(after.every((e) => e.type !== 'snapshot')).toBe(true);
  const seq = (id: string) => Number(id.split(':')[1]);
  expect(seq(after[0]!.id)).toBe(seq(lastBefore) + 1);
  const ids = [...events(sockets[0]!.received), ...after].filter((e) => e.type === 'event').map((e) => e.id);
  expect(new Set(ids).size).toBe(ids.length);

  await Promise.all([observerContext.close(), fresh.close(), proxy.close()]);
});
