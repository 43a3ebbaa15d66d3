import { z } from 'zod';
import { askForApproval, sandboxMode, type SandboxMode, type SandboxPolicy } from '../../protocol/common';
import type { ThreadSessionResponse } from '../../protocol/thread';
import { procedure, router } from '../init';

const MODE_OF: Record<SandboxPolicy['type'], SandboxMode> = {
  readOnly: 'read-only',
  workspaceWrite: 'workspace-write',
  dangerFullAccess: 'danger-full-access',
  externalSandbox: 'danger-full-access',
};

/** The settings half of a thread/resume response, without the thread and its turns. */
function settingsOf(r: ThreadSessionResponse) {
  return { model: r.model, modelProvider: r.modelProvider, cwd: r.cwd, approvalPolicy: r.approvalPolicy, sandbox: MODE_OF[r.sandbox.type] };
}

/**
 * Per-thread model, approval policy and sandbox mode for the browser: thread/resume without a
 * subscriber, which reads them, or persists overrides as the thread's settings (session_meta).
 */
export const threadSettingsRouter = router({
  read: procedure.input(z.object({ threadId: z.string() })).query(async ({ ctx, input }) => settingsOf(await ctx.services.threads.resume({ threadId: input.threadId }, null))),
  update: procedure
    .input(z.object({ threadId: z.string(), model: z.string().min(1).max(200).optional(), approvalPolicy: askForApproval.optional(), sandbox: sandboxMode.optional() }))
    .mutation(async ({ ctx, input }) => settingsOf(await ctx.services.threads.resume(input, null))),
});
