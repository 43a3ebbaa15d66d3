// The one error mapping: domain errors keep their JSON-RPC code and get the matching tRPC code; a full write
// queue is "overloaded" (retry later), not an internal error; anything else is unexpected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriterOverloadedError } from '../../db/writer';
import { ErrorCode, invalidRequest, overloaded, RpcError, threadNotFound } from '../../server/protocol/errors';
import { asRpcError, trpcCodeOf } from '../../server/services/errors';

test('a full group-commit queue answers -32001 / TOO_MANY_REQUESTS', () => {
  const e = asRpcError(new WriterOverloadedError());
  assert.ok(e);
  assert.deepEqual(e.toBody(), { code: -32001, message: 'Server overloaded; retry later.' });
  assert.equal(trpcCodeOf(e), 'TOO_MANY_REQUESTS');
});

test('not found keeps -32600 on JSON-RPC and is NOT_FOUND on tRPC; other domain errors are BAD_REQUEST', () => {
  const nf = threadNotFound('thr_x');
  assert.deepEqual(nf.toBody(), { code: -32600, message: 'thread thr_x not found' });
  assert.equal(trpcCodeOf(nf), 'NOT_FOUND');
  assert.equal(trpcCodeOf(invalidRequest('bad cursor')), 'BAD_REQUEST');
  assert.equal(trpcCodeOf(overloaded()), 'TOO_MANY_REQUESTS');
  assert.equal(trpcCodeOf(new RpcError(ErrorCode.InternalError, 'Internal error')), 'INTERNAL_SERVER_ERROR');
});

test('unexpected errors are not domain errors', () => {
  assert.equal(asRpcError(new Error('boom')), null);
  assert.equal(asRpcError('text'), null);
  assert.equal(asRpcError(undefined), null);
});
