import { z } from 'zod';

/** Optional params may be omitted or null on the wire. */
export const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

export const askForApproval = z.union([
  z.enum(['untrusted', 'on-request', 'never']),
  z.object({
    granular: z.object({
      sandbox_approval: z.boolean(),
      rules: z.boolean(),
      skill_approval: z.boolean(),
      request_permissions: z.boolean(),
      mcp_elicitations: z.boolean(),
    }),
  }),
]);
export type AskForApproval = z.infer<typeof askForApproval>;

export const sandboxMode = z.enum(['read-only', 'workspace-write', 'danger-full-access']);
export type SandboxMode = z.infer<typeof sandboxMode>;

export const sandboxPolicy = z.discriminatedUnion('type', [
  z.object({ type: z.literal('dangerFullAccess') }),
  z.object({ type: z.literal('readOnly'), networkAccess: z.boolean().default(false) }),
  z.object({ type: z.literal('externalSandbox'), networkAccess: z.enum(['restricted', 'enabled']).default('restricted') }),
  z.object({
    type: z.literal('workspaceWrite'),
    writableRoots: z.array(z.string()).default([]),
    networkAccess: z.boolean().default(false),
    excludeTmpdirEnvVar: z.boolean().default(false),
    excludeSlashTmp: z.boolean().default(false),
  }),
]);
export type SandboxPolicy = z.infer<typeof sandboxPolicy>;

export const reasoningEffort = z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']);
export type ReasoningEffort = z.infer<typeof reasoningEffort>;

/** The experimental enum variant in use, named `type.variant` (docs/protocol.md#experimental-gating). */
export function approvalPolicyGate(policy: AskForApproval | null | undefined): string | null {
  return policy && typeof policy === 'object' && 'granular' in policy ? 'askForApproval.granular' : null;
}
