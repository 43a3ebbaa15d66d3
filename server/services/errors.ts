// The one place errors become wire errors (docs/architecture.md#errors-are-values): JSON-RPC codes for /rpc and
// stdio, and the tRPC code for the browser. Anything not listed here is unexpected: -32603, details only in the log.
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { WriterOverloadedError } from '../../db/writer';
import { ErrorCode, overloaded, RpcError } from '../protocol/errors';

/** The domain error behind `err`, or null when it is unexpected. */
export function asRpcError(err: unknown): RpcError | null {
  if (err instanceof RpcError) return err;
  // The group-commit queue is full: the same answer as too many requests in flight, retry later.
  if (err instanceof WriterOverloadedError) return overloaded();
  return null;
}

export function trpcCodeOf(err: RpcError): TRPC_ERROR_CODE_KEY {
  if (err.code === ErrorCode.Overloaded) return 'TOO_MANY_REQUESTS';
  if (err.code === ErrorCode.InternalError) return 'INTERNAL_SERVER_ERROR';
  if (err.kind === 'notFound') return 'NOT_FOUND';
  return 'BAD_REQUEST';
}
