import { z } from 'zod';
import { askForApproval, opt, reasoningEffort, sandboxMode, sandboxPolicy } from './common';
import { turn } from './turn';

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

/**
 * The stored sources a `sourceKinds` filter matches. The reference app-server records a thread started over it
 * as `vscode` and lists it under `vscode` (the TUI's /resume asks for `["cli","vscode"]`), so `vscode` also
 * matches the threads we start, which we store and report as `appServer`; `appServer` keeps matching them too.
 */
export function storedSources(kinds: readonly string[]): string[] {
  const out = new Set(kinds);
  if (out.has('vscode')) out.add('appServer');
  return [...out];
}

export const sessionSource = z.enum(['cli', 'vscode', 'exec', 'appServer', 'unknown']);
export type SessionSource = z.infer<typeof sessionSource>;

/** A stored source as the wire's SessionSource; we only ever store `appServer`. */
export function sessionSourceOf(stored: string): SessionSource {
  const parsed = sessionSource.safeParse(stored);
  return parsed.success ? parsed.data : 'unknown';
}

export const gitInfo = z.object({ sha: z.string().nullable(), branch: z.string().nullable(), originUrl: z.string().nullable() });
export type GitInfo = z.infer<typeof gitInfo>;

/**
 * The reference's Thread with every field it requires (docs/protocol.md#core-objects). Fields we cannot fill
 * honestly are null: we have no subagents, no projects and no reasoning-effort default of the thread's own.
 */
export const thread = z.object({
  id: z.string(),
  sessionId: z.string(),
  forkedFromId: z.string().nullable(),
  parentThreadId: z.null(),
  preview: z.string(),
  ephemeral: z.boolean(),
  /** We keep no projects. */
  projectId: z.null(),
  modelProvider: z.string(),
  model: z.string().nullable(),
  reasoningEffort: reasoningEffort.nullable(),
  /** Unix seconds. */
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  status: threadStatus,
  path: z.string().nullable(),
  cwd: z.string(),
  cliVersion: z.string(),
  source: sessionSource,
  agentNickname: z.null(),
  agentRole: z.null(),
  gitInfo: gitInfo.nullable(),
  name: z.string().nullable(),
  turns: z.array(turn),
});
export type Thread = z.infer<typeof thread>;

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

/** A function the client runs (`item/tool/call`); `type` may be left out (the form before namespaces). */
export const dynamicFunctionToolSpec = z.object({
  type: z.literal('function').optional(),
  name: z.string().min(1),
  description: z.string().default(''),
  inputSchema: z.unknown(),
  /** Not offered to the model up front (the reference leaves it out of the request); still callable. */
  deferLoading: opt(z.boolean()),
});
export type DynamicFunctionToolSpec = z.infer<typeof dynamicFunctionToolSpec>;

/** A group of client functions offered to the model as one Responses `namespace` tool (the TUI's `codex_tui`). */
export const dynamicNamespaceToolSpec = z.object({
  type: z.literal('namespace'),
  name: z.string().min(1),
  description: z.string().default(''),
  tools: z.array(dynamicFunctionToolSpec),
});
export type DynamicNamespaceToolSpec = z.infer<typeof dynamicNamespaceToolSpec>;

export const dynamicToolSpec = z.union([dynamicNamespaceToolSpec, dynamicFunctionToolSpec]);
export type DynamicToolSpec = z.infer<typeof dynamicToolSpec>;

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

/**
 * `recency_at` (the reference's most recent activity) orders like `updated_at`, which is ours;
 * `section_position` needs a `sectionId` filter, as in the reference.
 */
export const threadSortKey = z.enum(['created_at', 'updated_at', 'recency_at', 'section_position']);
export type ThreadSortKey = z.infer<typeof threadSortKey>;

export const threadListParams = z.object({
  cursor: opt(z.string()),
  limit: opt(z.number().int().min(1)),
  sortKey: opt(threadSortKey),
  /** Newest first (`desc`, the default) or oldest first. */
  sortDirection: opt(z.enum(['asc', 'desc'])),
  /** We keep no sections: every thread is unsectioned, so `null` filters nothing and an id matches nothing. */
  sectionId: z.string().nullable().optional(),
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

/**
 * Who is asked to approve; the reference's ApprovalsReviewer. Ours is always `user` (the reference's default): the
 * client answers every approval request, no reviewer subagent does.
 */
export const approvalsReviewer = z.enum(['user', 'auto_review', 'guardian_subagent']);

/** The answer of thread/start, thread/resume and thread/fork (docs/protocol.md#methods). */
export const threadSessionResponse = z.object({
  thread,
  model: z.string(),
  modelProvider: z.string(),
  cwd: z.string(),
  approvalPolicy: askForApproval,
  approvalsReviewer,
  sandbox: sandboxPolicy,
  reasoningEffort: reasoningEffort.nullable(),
});
export type ThreadSessionResponse = z.infer<typeof threadSessionResponse>;

export const threadListResponse = z.object({
  data: z.array(thread),
  nextCursor: z.string().nullable(),
  /** A cursor at the page's first row, for listing the other way from there (null for an empty page). */
  backwardsCursor: z.string().nullable(),
  /** Read receipts of the page's threads, by id (docs/protocol.md#read-receipts); absent over tRPC. */
  readStates: z.record(z.string(), z.object({ firstUnread: z.unknown(), revision: z.string() })).nullable().optional(),
});
export type ThreadListResponse = z.infer<typeof threadListResponse>;
