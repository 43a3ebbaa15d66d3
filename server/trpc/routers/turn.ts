import { z } from 'zod';
import { invalidRequest } from '../../protocol/errors';
import { turnInterruptParams, turnStartParams, turnSteerParams } from '../../protocol/turn-params';
import { procedure, router } from '../init';

/** Turns from the browser: the same services the JSON-RPC turn/* methods use. */
export const turnRouter = router({
  start: procedure.input(turnStartParams).mutation(({ ctx, input }) => ctx.services.turns.start(input, null)),
  steer: procedure.input(turnSteerParams).mutation(({ ctx, input }) => ctx.services.turns.steer(input)),
  interrupt: procedure.input(turnInterruptParams).mutation(({ ctx, input }) => ctx.services.turns.interrupt(input.threadId, input.turnId)),
  /**
   * Answers a server request (approval or dynamic tool call) that reached the browser through
   * `thread.onEvents` as a `serverRequest` event. The first valid answer from any client wins.
   */
  respond: procedure.input(z.object({ requestId: z.string(), result: z.unknown() })).mutation(({ ctx, input }) => {
    if (!ctx.services.approvals.answer(input.requestId, input.result)) {
      throw invalidRequest(`request ${input.requestId} is no longer pending or the answer is not valid for it`);
    }
    return { ok: true as const };
  }),
});
