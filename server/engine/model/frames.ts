// One SSE frame of a Responses stream → what it means for the attempt (an event to yield, the end, a failure).
import { incompleteError, type ModelError } from './errors';
import { describeZodError, isHandledEventType, type JsonObject, type ModelEvent, parseOutputItem, toTokenUsage, upstreamEventSchemas } from './events';
import { excerpt, parseSseJson, type SseFrame } from './sse';

export type FrameResult =
  | { kind: 'event'; event: ModelEvent }
  | { kind: 'completed'; event: ModelEvent }
  | { kind: 'ignore' }
  | { kind: 'malformed'; message: string }
  | { kind: 'failed'; failure: { code: string | null; message: string | null; responseId: string | null } }
  | { kind: 'incomplete'; error: ModelError };

const n = (v: number | null | undefined): number | null => (typeof v === 'number' ? v : null);
const s = (v: string | null | undefined): string | null => (typeof v === 'string' ? v : null);

export function interpretFrame(frame: SseFrame): FrameResult {
  const json = parseSseJson(frame);
  if (!json.ok) return { kind: 'malformed', message: json.error.message };
  const value = json.value;
  const dataType = typeof value === 'object' && value !== null && typeof (value as JsonObject).type === 'string' ? ((value as JsonObject).type as string) : null;
  const type = dataType ?? frame.event;
  if (!isHandledEventType(type)) return { kind: 'ignore' };
  const schema = upstreamEventSchemas[type];
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { kind: 'malformed', message: `invalid ${type} event: ${describeZodError(parsed.error)} (data: ${excerpt(frame.data, 200)})` };

  switch (type) {
    case 'response.created': {
      const d = parsed.data as { response?: { id?: string | null } | null };
      return { kind: 'event', event: { type: 'created', responseId: s(d.response?.id) } };
    }
    case 'response.output_item.added': {
      const d = parsed.data as { output_index?: number | null; item: JsonObject & { type: string; id?: string | null } };
      return { kind: 'event', event: { type: 'outputItemAdded', outputIndex: n(d.output_index), itemType: d.item.type, itemId: s(d.item.id), raw: d.item } };
    }
    case 'response.output_item.done': {
      const d = parsed.data as { output_index?: number | null; item: JsonObject & { type: string } };
      const item = parseOutputItem(d.item);
      if (!item.ok) return { kind: 'malformed', message: item.message };
      return { kind: 'event', event: { type: 'outputItemDone', outputIndex: n(d.output_index), item: item.item, raw: d.item } };
    }
    case 'response.output_text.delta': {
      const d = parsed.data as { item_id?: string | null; output_index?: number | null; content_index?: number | null; delta: string };
      return { kind: 'event', event: { type: 'outputTextDelta', itemId: s(d.item_id), outputIndex: n(d.output_index), contentIndex: n(d.content_index), delta: d.delta } };
    }
    case 'response.reasoning_summary_text.delta': {
      const d = parsed.data as { item_id?: string | null; output_index?: number | null; summary_index?: number | null; delta: string };
      return {
        kind: 'event',
        event: { type: 'reasoningSummaryTextDelta', itemId: s(d.item_id), outputIndex: n(d.output_index), summaryIndex: n(d.summary_index), delta: d.delta },
      };
    }
    case 'response.reasoning_summary_part.added': {
      const d = parsed.data as { item_id?: string | null; output_index?: number | null; summary_index?: number | null };
      return { kind: 'event', event: { type: 'reasoningSummaryPartAdded', itemId: s(d.item_id), outputIndex: n(d.output_index), summaryIndex: n(d.summary_index) } };
    }
    case 'response.reasoning_text.delta': {
      const d = parsed.data as { item_id?: string | null; output_index?: number | null; content_index?: number | null; delta: string };
      return { kind: 'event', event: { type: 'reasoningTextDelta', itemId: s(d.item_id), outputIndex: n(d.output_index), contentIndex: n(d.content_index), delta: d.delta } };
    }
    case 'response.completed': {
      const d = parsed.data as unknown as { response: JsonObject & { id: string; usage?: Parameters<typeof toTokenUsage>[0] } };
      return { kind: 'completed', event: { type: 'completed', responseId: d.response.id, usage: toTokenUsage(d.response.usage), raw: d.response } };
    }
    case 'response.failed': {
      const d = parsed.data as { response?: { id?: string | null; error?: { code?: string | null; message?: string | null } | null } | null };
      return { kind: 'failed', failure: { code: s(d.response?.error?.code), message: s(d.response?.error?.message), responseId: s(d.response?.id) } };
    }
    case 'response.incomplete': {
      const d = parsed.data as { response?: { id?: string | null; incomplete_details?: { reason?: string | null } | null } | null };
      return { kind: 'incomplete', error: incompleteError(s(d.response?.incomplete_details?.reason), s(d.response?.id)) };
    }
    case 'error': {
      const d = parsed.data as { code?: string | null; message?: string | null; error?: { code?: string | null; message?: string | null } | null };
      return { kind: 'failed', failure: { code: s(d.code ?? d.error?.code), message: s(d.message ?? d.error?.message), responseId: null } };
    }
  }
}
