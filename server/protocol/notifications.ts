import type { CommandExecOutputDeltaNotification } from './command-exec';
import type { RealtimeNotificationParams } from './realtime';
import type { Thread, ThreadStatus } from './thread';
import type { ThreadReadState } from './thread-history';
import type { ItemCompletedParams, ItemStartedParams, Turn, TurnError } from './turn';

/** Every server→client notification we send, keyed by method. The UI reuses these types. */
export interface NotificationParams extends RealtimeNotificationParams {
  'thread/started': { thread: Thread };
  'thread/status/changed': { threadId: string; status: ThreadStatus };
  'thread/archived': { threadId: string };
  'thread/unarchived': { threadId: string };
  'thread/closed': { threadId: string };
  'thread/readState/changed': { threadId: string; readState: ThreadReadState };
  'thread/name/updated': { threadId: string; threadName?: string };
  'account/updated': { authMode: 'apikey' | null; planType: null };
  'account/login/completed': { loginId: string | null; success: boolean; error: string | null };
  'turn/started': { threadId: string; turn: Turn };
  'turn/completed': { threadId: string; turn: Turn };
  'item/started': ItemStartedParams;
  'item/completed': ItemCompletedParams;
  'item/agentMessage/delta': { threadId: string; turnId: string; itemId: string; delta: string };
  'item/reasoning/summaryTextDelta': { threadId: string; turnId: string; itemId: string; delta: string; summaryIndex: number };
  'item/reasoning/summaryPartAdded': { threadId: string; turnId: string; itemId: string; summaryIndex: number };
  'item/reasoning/textDelta': { threadId: string; turnId: string; itemId: string; delta: string; contentIndex: number };
  'item/commandExecution/outputDelta': { threadId: string; turnId: string; itemId: string; delta: string };
  'turn/plan/updated': { threadId: string; turnId: string; explanation: string | null; plan: { step: string; status: string }[] };
  'turn/diff/updated': { threadId: string; turnId: string; diff: string };
  'thread/tokenUsage/updated': { threadId: string; turnId: string; tokenUsage: ThreadTokenUsage };
  error: { threadId: string; turnId: string; error: TurnError; willRetry: boolean };
  'serverRequest/resolved': { threadId: string; requestId: string | number };
  'command/exec/outputDelta': CommandExecOutputDeltaNotification;
}

export interface TokenUsageBreakdown {
  totalTokens: number;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
}

export interface ThreadTokenUsage {
  total: TokenUsageBreakdown;
  last: TokenUsageBreakdown;
  modelContextWindow: number | null;
}

export type NotificationMethod = keyof NotificationParams;

export type ServerNotification = {
  [M in NotificationMethod]: { method: M; params: NotificationParams[M] };
}[NotificationMethod];
