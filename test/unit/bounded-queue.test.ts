import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { BoundedQueue } from '../../server/util/bounded-queue';

test('waiting on the queue leaves no abort listeners behind', async () => {
  const q = new BoundedQueue<number>(10);
  const ac = new AbortController();
  for (let i = 0; i < 50; i++) {
    const next = q.next(ac.signal);
    q.push(i);
    assert.equal(await next, i);
  }
  assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
});

test('overflow fails the consumer instead of growing; abort ends a wait', async () => {
  const q = new BoundedQueue<number>(2);
  q.push(1);
  q.push(2);
  q.push(3);
  assert.equal(q.overflowed, true);
  assert.equal(await q.next(), null);

  const idle = new BoundedQueue<number>(2);
  const ac = new AbortController();
  const waiting = idle.next(ac.signal);
  ac.abort();
  assert.equal(await waiting, null);
});
