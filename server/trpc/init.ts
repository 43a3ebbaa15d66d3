import { initTRPC, TRPCError } from '@trpc/server';
import { ErrorCode, RpcError } from '../protocol/errors';
import type { Services } from '../services/services';
import { log } from '../util/log';

export interface TrpcContext {
  services: Services;
}

const t = initTRPC.context<TrpcContext>().create({
  // Like JSON-RPC's -32603: the browser never sees internals (messages of unexpected errors, stacks).
  errorFormatter: ({ shape, error }) => {
    const internal = error.code === 'INTERNAL_SERVER_ERROR';
    return {
      ...shape,
      message: internal ? 'Internal error; see the server log.' : shape.message,
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path },
    };
  },
});

/** The one place domain errors become tRPC errors (architecture.md convention 6). */
const mapErrors = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof RpcError) {
      const code = cause.code === ErrorCode.Overloaded ? 'TOO_MANY_REQUESTS' : cause.code === ErrorCode.InternalError ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST';
      throw new TRPCError({ code, message: cause.message, cause });
    }
    if (result.error.code === 'INTERNAL_SERVER_ERROR') log.error(`trpc ${path} failed`, result.error.cause ?? result.error);
  }
  return result;
});

export const router = t.router;
export const procedure = t.procedure.use(mapErrors);
