// Outbound wire types of a turn: Turn, TurnError and the closed ThreadItem union, as the reference's JSON schema
// has them (docs/protocol.md#core-objects). Every kind we send is here; nothing else can be sent.
import { z } from 'zod';

const int = z.number().int();

export const turnStatus = z.enum(['inProgress', 'completed', 'interrupted', 'failed']);
export type TurnStatus = z.infer<typeof turnStatus>;

const httpStatusInfo = z.object({ httpStatusCode: int.min(0).max(65_535).nullable() });
/** The codexErrorInfo values we produce (server/engine/model/errors.ts maps upstream failures to them). */
export const codexErrorInfo = z.union([
  z.enum([
    'contextWindowExceeded',
    'usageLimitExceeded',
    'rateLimitExceeded',
    'serverOverloaded',
    'internalServerError',
    'unauthorized',
    'badRequest',
    'sandboxError',
    'other',
  ]),
  z.strictObject({ httpConnectionFailed: httpStatusInfo }),
  z.strictObject({ responseStreamConnectionFailed: httpStatusInfo }),
  z.strictObject({ responseStreamDisconnected: httpStatusInfo }),
  z.strictObject({ responseTooManyFailedAttempts: httpStatusInfo }),
]);
export type CodexErrorInfo = z.infer<typeof codexErrorInfo>;

export const turnError = z.object({
  message: z.string(),
  codexErrorInfo: codexErrorInfo.nullable(),
  additionalDetails: z.string().nullable(),
});
export type TurnError = z.infer<typeof turnError>;

/** A userMessage's content as we keep it (the inbound form is turn-params.ts `userInput`). */
export const userMessageContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('image'), url: z.string() }),
  z.object({ type: z.literal('localImage'), path: z.string() }),
]);
export type UserInput = z.infer<typeof userMessageContent>;

/** We do not parse commands into actions: every command is one `unknown` action. */
export const commandAction = z.object({ type: z.literal('unknown'), command: z.string() });

export const patchChangeKind = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add') }),
  z.object({ type: z.literal('delete') }),
  z.object({ type: z.literal('update'), move_path: z.string().nullable() }),
]);
export type PatchChangeKind = z.infer<typeof patchChangeKind>;

export const fileUpdateChange = z.object({
  path: z.string(),
  kind: patchChangeKind,
  /** Like the reference: the new content for add, the removed content for delete, unified hunks for update. */
  diff: z.string(),
});
export type FileUpdateChange = z.infer<typeof fileUpdateChange>;

/** What a client answers to `item/tool/call`, and what a dynamicToolCall item then carries. */
export const dynamicToolCallOutputContentItem = z.discriminatedUnion('type', [
  z.object({ type: z.literal('inputText'), text: z.string() }),
  z.object({ type: z.literal('inputImage'), imageUrl: z.string() }),
  z.object({ type: z.literal('inputAudio'), audioUrl: z.string() }),
]);

const itemStatus = z.enum(['inProgress', 'completed', 'failed', 'declined']);

export const userMessageItem = z.object({ type: z.literal('userMessage'), id: z.string(), content: z.array(userMessageContent) });
export const agentMessageItem = z.object({ type: z.literal('agentMessage'), id: z.string(), text: z.string() });
export const reasoningItem = z.object({ type: z.literal('reasoning'), id: z.string(), summary: z.array(z.string()), content: z.array(z.string()) });
export const planItem = z.object({ type: z.literal('plan'), id: z.string(), text: z.string() });
export const contextCompactionItem = z.object({ type: z.literal('contextCompaction'), id: z.string() });
/** A review turn's first item; `review` is what is reviewed, as a person reads it. */
export const enteredReviewModeItem = z.object({ type: z.literal('enteredReviewMode'), id: z.string(), review: z.string() });
/** A review turn's result; `review` is the findings as text. */
export const exitedReviewModeItem = z.object({ type: z.literal('exitedReviewMode'), id: z.string(), review: z.string() });
export const commandExecutionItem = z.object({
  type: z.literal('commandExecution'),
  id: z.string(),
  command: z.string(),
  cwd: z.string(),
  /** We run no command on a PTY of its own that a client could address. */
  processId: z.null(),
  /** Who started it: the model (`agent`) or the user (`userShell`). Older records lack it (the schema's default is `agent`). */
  source: z.enum(['agent', 'userShell']).optional(),
  commandActions: z.array(commandAction),
  status: itemStatus,
  aggregatedOutput: z.string().nullable(),
  exitCode: int.nullable(),
  durationMs: int.nullable(),
});
export const fileChangeItem = z.object({ type: z.literal('fileChange'), id: z.string(), changes: z.array(fileUpdateChange), status: itemStatus });
export const dynamicToolCallItem = z.object({
  type: z.literal('dynamicToolCall'),
  id: z.string(),
  /** The namespace tool the function belongs to; null for a plain function. */
  namespace: z.string().nullable(),
  tool: z.string(),
  /** The model's arguments, parsed from their JSON. */
  arguments: z.json(),
  status: z.enum(['inProgress', 'completed', 'failed']),
  contentItems: z.array(dynamicToolCallOutputContentItem).nullable(),
  success: z.boolean().nullable(),
  durationMs: int.nullable(),
});

export type CommandExecutionItem = z.infer<typeof commandExecutionItem>;
export type FileChangeItem = z.infer<typeof fileChangeItem>;
export type DynamicToolCallItem = z.infer<typeof dynamicToolCallItem>;

/** ThreadItem, tagged by `type`: the kinds we produce (docs/protocol.md#core-objects). */
export const threadItem = z.discriminatedUnion('type', [
  userMessageItem,
  agentMessageItem,
  reasoningItem,
  planItem,
  contextCompactionItem,
  enteredReviewModeItem,
  exitedReviewModeItem,
  commandExecutionItem,
  fileChangeItem,
  dynamicToolCallItem,
]);
export type ThreadItem = z.infer<typeof threadItem>;

/** How much of `turn.items` a payload carries. */
export const turnItemsView = z.enum(['notLoaded', 'summary', 'full']);
export type TurnItemsView = z.infer<typeof turnItemsView>;

export const turn = z.object({
  id: z.string(),
  /** The first turn of the chain of work that led to this one: the turn itself (we start no turn on another's behalf); absent in older records. */
  rootTurnId: z.string().nullable().optional(),
  items: z.array(threadItem),
  /** `notLoaded` where `items` is left empty on purpose (turn/start, turn/started), `full` where it holds every item. */
  itemsView: turnItemsView.optional(),
  status: turnStatus,
  error: turnError.nullable(),
  /** Unix seconds. */
  startedAt: int.nullable(),
  completedAt: int.nullable(),
  durationMs: int.nullable(),
});
export type Turn = z.infer<typeof turn>;

/** `item/started`: `startedAtMs` is when the item's lifecycle started (Unix ms). */
export const itemStartedParams = z.object({ threadId: z.string(), turnId: z.string(), item: threadItem, startedAtMs: int });
export type ItemStartedParams = z.infer<typeof itemStartedParams>;

/** `item/completed`: `completedAtMs` is when the item's lifecycle ended (Unix ms). */
export const itemCompletedParams = z.object({ threadId: z.string(), turnId: z.string(), item: threadItem, completedAtMs: int });
export type ItemCompletedParams = z.infer<typeof itemCompletedParams>;
