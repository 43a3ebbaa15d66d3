import { initTRPC, TRPCError } from '@trpc/server';
import { asRpcError, trpcCodeOf } from '../services/errors';
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

/** The one place domain errors become tRPC errors (docs/architecture.md#errors-are-values). */
const mapErrors = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (!result.ok) {
    const domain = asRpcError(result.error.cause);
    if (domain) throw new TRPCError({ code: trpcCodeOf(domain), message: domain.message, cause: domain });
    if (result.error.code === 'INTERNAL_SERVER_ERROR') log.error(`trpc ${path} failed`, result.error.cause ?? result.error);
  }
  return result;
});

export const router = t.router;
export const procedure = t.procedure.use(mapErrors);
