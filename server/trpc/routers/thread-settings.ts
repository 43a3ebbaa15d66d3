import { z } from 'zod';
import { askForApproval, sandboxMode } from '../../protocol/common';
import { procedure, router } from '../init';

/** Per-thread model, approval policy and sandbox mode for the browser; overrides persist as the thread's settings. */
export const threadSettingsRouter = router({
  read: procedure.input(z.object({ threadId: z.string() })).query(({ ctx, input }) => ctx.services.threads.settingsView(input.threadId)),
  update: procedure
    .input(z.object({ threadId: z.string(), model: z.string().min(1).max(200).optional(), approvalPolicy: askForApproval.optional(), sandbox: sandboxMode.optional() }))
    .mutation(({ ctx, input }) => {
      const { threadId, ...overrides } = input;
      return ctx.services.threads.updateSettings(threadId, overrides);
    }),
});
