/**
 * The typed events `streamResponse` yields, and the zod schemas for the upstream Responses SSE events
 * it acts on. Upstream objects are parsed with `looseObject`, so `raw` keeps every field the provider
 * sent (the agent loop stores finished items verbatim and replays them in the next request's `input`).
 */
import { z } from 'zod';
import { zodIssueText } from '../../util/zod-issues';
import type { ModelError } from './errors';

export type JsonObject = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Output items (response.output_item.done)

const optId = z.string().nullish();

export const messageItemSchema = z.looseObject({
  type: z.literal('message'),
  id: optId,
  role: z.string(),
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional(), refusal: z.string().optional() })),
});

export const functionCallItemSchema = z.looseObject({
  type: z.literal('function_call'),
  id: optId,
  name: z.string().min(1),
  /** Set when the function belongs to a `namespace` tool. */
  namespace: z.string().nullish(),
  arguments: z.string(),
  call_id: z.string().min(1),
});

export const customToolCallItemSchema = z.looseObject({
  type: z.literal('custom_tool_call'),
  id: optId,
  name: z.string().min(1),
  input: z.string(),
  call_id: z.string().min(1),
});

export const reasoningItemSchema = z.looseObject({
  type: z.literal('reasoning'),
  id: optId,
  summary: z.array(z.looseObject({ type: z.string(), text: z.string() })).default([]),
  content: z.array(z.looseObject({ type: z.string(), text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
});

export type MessageItem = z.infer<typeof messageItemSchema>;
export type FunctionCallItem = z.infer<typeof functionCallItemSchema>;
export type CustomToolCallItem = z.infer<typeof customToolCallItemSchema>;
export type ReasoningItem = z.infer<typeof reasoningItemSchema>;
/** An item type this client does not interpret (web_search_call, image_generation_call, ...). */
export interface UnknownItem {
  type: 'unknown';
  itemType: string;
  id: string | null;
}
export type OutputItem = MessageItem | FunctionCallItem | CustomToolCallItem | ReasoningItem | UnknownItem;

const KNOWN_ITEM_SCHEMAS = {
  message: messageItemSchema,
  function_call: functionCallItemSchema,
  custom_tool_call: customToolCallItemSchema,
  reasoning: reasoningItemSchema,
} as const;

/** The concatenated `output_text` parts of an assistant message. */
export function messageText(item: MessageItem): string {
  return item.content.map((part) => (part.type === 'output_text' && typeof part.text === 'string' ? part.text : '')).join('');
}

// ---------------------------------------------------------------------------------------------
// Upstream SSE events we act on

const index = z.number().int().nonnegative().nullish();
const itemRef = { item_id: z.string().nullish(), output_index: index };

const usageSchema = z.looseObject({
  input_tokens: z.number().nonnegative(),
  input_tokens_details: z.looseObject({ cached_tokens: z.number().nonnegative().nullish() }).nullish(),
  output_tokens: z.number().nonnegative(),
  output_tokens_details: z.looseObject({ reasoning_tokens: z.number().nonnegative().nullish() }).nullish(),
  total_tokens: z.number().nonnegative().nullish(),
});

const upstreamErrorSchema = z.looseObject({ code: z.string().nullish(), message: z.string().nullish(), type: z.string().nullish() });

export const upstreamEventSchemas = {
  'response.created': z.looseObject({ response: z.looseObject({ id: z.string().nullish() }).nullish() }),
  'response.output_item.added': z.looseObject({ output_index: index, item: z.looseObject({ type: z.string(), id: optId }) }),
  'response.output_item.done': z.looseObject({ output_index: index, item: z.looseObject({ type: z.string(), id: optId }) }),
  'response.output_text.delta': z.looseObject({ ...itemRef, content_index: index, delta: z.string() }),
  'response.reasoning_summary_text.delta': z.looseObject({ ...itemRef, summary_index: index, delta: z.string() }),
  'response.reasoning_summary_part.added': z.looseObject({ ...itemRef, summary_index: index }),
  'response.reasoning_text.delta': z.looseObject({ ...itemRef, content_index: index, delta: z.string() }),
  'response.completed': z.looseObject({ response: z.looseObject({ id: z.string(), usage: usageSchema.nullish() }) }),
  'response.failed': z.looseObject({ response: z.looseObject({ id: z.string().nullish(), error: upstreamErrorSchema.nullish() }).nullish() }),
  'response.incomplete': z.looseObject({
    response: z.looseObject({ id: z.string().nullish(), incomplete_details: z.looseObject({ reason: z.string().nullish() }).nullish() }).nullish(),
  }),
  /** Top-level `{type:"error", code, message}` some providers send instead of response.failed. */
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish(), error: upstreamErrorSchema.nullish() }),
} as const;

export type UpstreamEventType = keyof typeof upstreamEventSchemas;

export function isHandledEventType(type: string): type is UpstreamEventType {
  return Object.prototype.hasOwnProperty.call(upstreamEventSchemas, type);
}

/** Token usage in the protocol's TokenUsageBreakdown naming. */
export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  totalTokens: number;
}

export function toTokenUsage(usage: z.infer<typeof usageSchema> | null | undefined): TokenUsage | null {
  if (!usage) return null;
  return {
    inputTokens: usage.input_tokens,
    cachedInputTokens: usage.input_tokens_details?.cached_tokens ?? 0,
    outputTokens: usage.output_tokens,
    reasoningOutputTokens: usage.output_tokens_details?.reasoning_tokens ?? 0,
    totalTokens: usage.total_tokens ?? usage.input_tokens + usage.output_tokens,
  };
}

export type ItemParseResult = { ok: true; item: OutputItem } | { ok: false; message: string };

/** Validates a finished output item; unknown types pass through as `{type:'unknown'}`. */
export function parseOutputItem(raw: JsonObject & { type: string }): ItemParseResult {
  const type = raw.type;
  if (!Object.prototype.hasOwnProperty.call(KNOWN_ITEM_SCHEMAS, type)) {
    return { ok: true, item: { type: 'unknown', itemType: type, id: typeof raw.id === 'string' ? raw.id : null } };
  }
  const schema = KNOWN_ITEM_SCHEMAS[type as keyof typeof KNOWN_ITEM_SCHEMAS];
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, item: parsed.data };
  return { ok: false, message: `invalid ${type} item: ${describeZodError(parsed.error)}` };
}

export function describeZodError(error: z.ZodError): string {
  return zodIssueText(error);
}

// ---------------------------------------------------------------------------------------------
// What streamResponse yields

export type RetryReason = 'connect' | 'httpStatus' | 'streamDisconnected' | 'idleTimeout' | 'malformed' | 'responseFailed';

export type ModelEvent =
  /** response.created */
  | { type: 'created'; responseId: string | null }
  /** response.output_item.added — the item as started (often without its final content). */
  | { type: 'outputItemAdded'; outputIndex: number | null; itemType: string; itemId: string | null; raw: JsonObject }
  /** response.output_text.delta */
  | { type: 'outputTextDelta'; itemId: string | null; outputIndex: number | null; contentIndex: number | null; delta: string }
  /** response.reasoning_summary_part.added */
  | { type: 'reasoningSummaryPartAdded'; itemId: string | null; outputIndex: number | null; summaryIndex: number | null }
  /** response.reasoning_summary_text.delta */
  | { type: 'reasoningSummaryTextDelta'; itemId: string | null; outputIndex: number | null; summaryIndex: number | null; delta: string }
  /** response.reasoning_text.delta */
  | { type: 'reasoningTextDelta'; itemId: string | null; outputIndex: number | null; contentIndex: number | null; delta: string }
  /** response.output_item.done — `item` validated, `raw` verbatim for the rollout / next request. */
  | { type: 'outputItemDone'; outputIndex: number | null; item: OutputItem; raw: JsonObject }
  /**
   * The request is being sent again. Everything yielded since the last `retrying` (or the start) belongs to a
   * failed attempt and must be discarded. `error` is ready for the protocol's `error` notification with
   * `willRetry: true`. `attempt` counts retries within the budget named by `reason` (request vs stream).
   */
  | {
      type: 'retrying';
      attempt: number;
      maxRetries: number;
      reason: RetryReason;
      delayMs: number;
      httpStatusCode: number | null;
      discardPartialOutput: boolean;
      error: ModelError;
    }
  /** Terminal: response.completed. */
  | { type: 'completed'; responseId: string; usage: TokenUsage | null; raw: JsonObject }
  /** Terminal: anything that ends the request without a completed response (after retries, if any applied). */
  | { type: 'failed'; error: ModelError; httpStatusCode: number | null }
  /** Terminal: the caller's AbortSignal fired. */
  | { type: 'aborted' };

export type TerminalModelEvent = Extract<ModelEvent, { type: 'completed' | 'failed' | 'aborted' }>;
