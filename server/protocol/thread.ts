import { z } from 'zod';
import { askForApproval, opt, sandboxMode, type AskForApproval, type ReasoningEffort, type SandboxPolicy } from './common';
import type { Turn } from './turn';

export const threadStatus = z.discriminatedUnion('type', [
  z.object({ type: z.literal('notLoaded') }),
  z.object({ type: z.literal('idle') }),
  z.object({ type: z.literal('systemError') }),
  z.object({ type: z.literal('active'), activeFlags: z.array(z.enum(['waitingOnApproval', 'waitingOnUserInput'])) }),
]);
export type ThreadStatus = z.infer<typeof threadStatus>;

export const threadSourceKind = z.enum([
  'cli', 'vscode', 'exec', 'appServer', 'subAgent', 'subAgentReview', 'subAgentCompact', 'subAgentThreadSpawn', 'subAgentOther', 'unknown',
]);
export const INTERACTIVE_SOURCE_KINDS = ['cli', 'vscode', 'appServer'] as const;

export interface GitInfo {
  sha: string | null;
  branch: string | null;
  originUrl: string | null;
}

/** The reference's Thread, less the fields we cannot fill honestly (docs/protocol.md#core-objects). */
export interface Thread {
  id: string;
  sessionId: string;
  forkedFromId: string | null;
  parentThreadId: string | null;
  preview: string;
  ephemeral: boolean;
  modelProvider: string;
  model: string | null;
  reasoningEffort: ReasoningEffort | null;
  createdAt: number;
  updatedAt: number;
  status: ThreadStatus;
  path: string | null;
  cwd: string;
  cliVersion: string;
  source: string;
  agentNickname: string | null;
  agentRole: string | null;
  gitInfo: GitInfo | null;
  name: string | null;
  turns: Turn[];
}

const threadOverrides = {
  model: opt(z.string()),
  modelProvider: opt(z.string()),
  cwd: opt(z.string()),
  approvalPolicy: opt(askForApproval),
  sandbox: opt(sandboxMode),
  config: opt(z.record(z.string(), z.unknown())),
  baseInstructions: opt(z.string()),
  developerInstructions: opt(z.string()),
};

export const dynamicToolSpec = z.object({
  name: z.string().min(1),
  description: z.string().default(''),
  inputSchema: z.unknown(),
});

export const threadStartParams = z.object({
  ...threadOverrides,
  serviceName: opt(z.string()),
  ephemeral: opt(z.boolean()),
  dynamicTools: opt(z.array(dynamicToolSpec)),
  persistExtendedHistory: opt(z.boolean()),
  experimentalRawEvents: opt(z.boolean()),
  mockExperimentalField: opt(z.string()),
});
export type ThreadStartParams = z.infer<typeof threadStartParams>;

export const threadResumeParams = z.object({ threadId: z.string(), ...threadOverrides });
export type ThreadResumeParams = z.infer<typeof threadResumeParams>;

export const threadForkParams = z.object({ threadId: z.string(), ...threadOverrides, ephemeral: opt(z.boolean()) });
export type ThreadForkParams = z.infer<typeof threadForkParams>;

export const threadReadParams = z.object({ threadId: z.string(), includeTurns: opt(z.boolean()) });

export const MAX_LIST_LIMIT = 200;
export const DEFAULT_LIST_LIMIT = 25;

export const threadListParams = z.object({
  cursor: opt(z.string()),
  limit: opt(z.number().int().min(1)),
  sortKey: opt(z.enum(['created_at', 'updated_at'])),
  archived: opt(z.boolean()),
  cwd: opt(z.string()),
  modelProviders: opt(z.array(z.string())),
  sourceKinds: opt(z.array(threadSourceKind)),
  searchTerm: opt(z.string()),
});
export type ThreadListParams = z.infer<typeof threadListParams>;

export const threadLoadedListParams = z.object({ cursor: opt(z.string()), limit: opt(z.number().int().min(1)) });
export const threadIdParams = z.object({ threadId: z.string() });

export const MAX_THREAD_NAME_CHARS = 512;
export const threadSetNameParams = z.object({ threadId: z.string(), name: z.string() });

export const threadMemoryModeSetParams = z.object({ threadId: z.string(), mode: z.enum(['enabled', 'disabled']) });

export interface ThreadSessionResponse {
  thread: Thread;
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: AskForApproval;
  sandbox: SandboxPolicy;
  reasoningEffort: ReasoningEffort | null;
}

export interface ThreadListResponse {
  data: Thread[];
  nextCursor: string | null;
}
