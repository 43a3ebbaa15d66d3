import { z } from 'zod';
import { procedure, router } from '../init';

/** Sign-in with an API key (stored server-side, never sent back) and the effective model settings. */
export const accountRouter = router({
  read: procedure.query(({ ctx }) => {
    const { config } = ctx.services;
    return {
      ...ctx.services.account.read(),
      model: config.model,
      modelProvider: config.modelProvider.id,
      modelProviderName: config.modelProvider.name,
      approvalPolicy: config.approvalPolicy,
      sandboxMode: config.sandboxMode,
    };
  }),
  login: procedure.input(z.object({ apiKey: z.string().min(1).max(4096) })).mutation(({ ctx, input }) => ctx.services.account.loginWithApiKey(input.apiKey)),
  logout: procedure.mutation(({ ctx }) => ctx.services.account.logout()),
});
