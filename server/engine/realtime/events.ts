import { z } from 'zod';
import { zodIssueText } from '../../util/zod-issues';
import type { RealtimeAudioChunk, RealtimeRole, RealtimeVersion } from '../../protocol/realtime';
import { BACKGROUND_AGENT_TOOL } from './session-config';

/** What the broker does with one upstream frame (docs/realtime.md#event-mapping), after zod validation. */
export type RealtimeEvent =
  | { kind: 'sessionUpdated'; sessionId: string | null }
  | { kind: 'audioOut'; audio: RealtimeAudioChunk }
  | { kind: 'transcriptDelta'; role: RealtimeRole; delta: string }
  | { kind: 'transcriptDone'; role: RealtimeRole; text: string; itemId?: string | null }
  | { kind: 'itemAdded'; item: unknown }
  | { kind: 'speechStarted'; itemId: string | null }
  | { kind: 'handoff'; handoffId: string; itemId: string; inputTranscript: string }
  | { kind: 'responseCreated' }
  | { kind: 'responseDone' }
  | { kind: 'responseCancelled'; responseId: string | null }
  | { kind: 'error'; message: string };

/** `event: null` = a valid frame the broker ignores (unknown type, dropped item); `malformed` = log and skip. */
export type ParseResult = { ok: true; event: RealtimeEvent | null } | { ok: false; reason: string };

const str = z.string();
const optStr = z.string().nullish();
const optInt = z.number().int().nonnegative().nullish();
const delta = z.object({ delta: str });
const audioV2 = z.object({
  delta: str,
  sample_rate: z.number().int().positive().nullish(),
  channels: z.number().int().positive().nullish(),
  num_channels: z.number().int().positive().nullish(),
  samples_per_channel: optInt,
  item_id: optStr,
});
const audioV1 = audioV2.extend({ sample_rate: z.number().int().positive() });
const sessionUpdated = z.object({ session: z.object({ id: optStr }).loose().nullish() });
const itemAdded = z.object({ item: z.unknown().refine((v) => v !== undefined, 'item is required') });
const responseRef = z.object({ response: z.object({ id: optStr }).loose().nullish(), response_id: optStr });
const errorEvent = z.object({ message: z.unknown().optional(), error: z.unknown().optional() });
const functionCallDone = z.object({
  item: z.object({ type: str, name: optStr, id: optStr, call_id: optStr, arguments: optStr }).loose(),
});
const handoffV1 = z.object({ handoff_id: str, item_id: str, input_transcript: str });

const TRANSCRIPT_KEYS = ['input_transcript', 'input', 'text', 'prompt', 'query'];

/** The request text of a background_agent call: the first non-empty argument among the usual keys, else the raw arguments. */
export function handoffTranscript(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (parsed && typeof parsed === 'object') {
      for (const key of TRANSCRIPT_KEYS) {
        const value = (parsed as Record<string, unknown>)[key];
        if (typeof value === 'string' && value.trim() !== '') return value.trim();
      }
    }
  } catch {
    // Not JSON: the raw arguments are the request.
  }
  return args;
}

function errorMessage(e: z.infer<typeof errorEvent>): string {
  if (typeof e.message === 'string') return e.message;
  const inner = e.error;
  if (inner && typeof inner === 'object' && typeof (inner as { message?: unknown }).message === 'string') return (inner as { message: string }).message;
  return inner === undefined ? 'realtime error' : typeof inner === 'string' ? inner : JSON.stringify(inner);
}

function audio(d: z.infer<typeof audioV2>, keepItemId: boolean): RealtimeEvent {
  return {
    kind: 'audioOut',
    audio: {
      data: d.delta,
      sampleRate: d.sample_rate ?? 24000,
      numChannels: d.channels ?? d.num_channels ?? 1,
      samplesPerChannel: d.samples_per_channel ?? null,
      itemId: keepItemId ? (d.item_id ?? null) : null,
    },
  };
}

type Handler = (frame: unknown) => ParseResult;

function on<S extends z.ZodType>(schema: S, map: (value: z.output<S>) => RealtimeEvent | null): Handler {
  return (frame) => {
    const parsed = schema.safeParse(frame);
    if (!parsed.success) {
      return { ok: false, reason: zodIssueText(parsed.error, { root: 'frame' }) };
    }
    return { ok: true, event: map(parsed.data) };
  };
}

const common: Record<string, Handler> = {
  'session.updated': on(sessionUpdated, (e) => ({ kind: 'sessionUpdated', sessionId: e.session?.id ?? null })),
  'conversation.item.added': on(itemAdded, (e) => ({ kind: 'itemAdded', item: e.item })),
  error: on(errorEvent, (e) => ({ kind: 'error', message: errorMessage(e) })),
};
const userDelta = on(delta, (e) => ({ kind: 'transcriptDelta', role: 'user', delta: e.delta }));
const assistantDelta = on(delta, (e) => ({ kind: 'transcriptDelta', role: 'assistant', delta: e.delta }));

const V2: Record<string, Handler> = {
  ...common,
  'response.output_audio.delta': on(audioV2, (e) => audio(e, true)),
  'response.audio.delta': on(audioV2, (e) => audio(e, true)),
  'conversation.item.input_audio_transcription.delta': userDelta,
  'conversation.item.input_audio_transcription.completed': on(z.object({ transcript: str, item_id: optStr }), (e) => ({ kind: 'transcriptDone', role: 'user', text: e.transcript, itemId: e.item_id ?? null })),
  'response.output_text.delta': assistantDelta,
  'response.output_audio_transcript.delta': assistantDelta,
  'response.output_text.done': on(z.object({ text: str, item_id: optStr }), (e) => ({ kind: 'transcriptDone', role: 'assistant', text: e.text, itemId: e.item_id ?? null })),
  'response.output_audio_transcript.done': on(z.object({ transcript: str, item_id: optStr }), (e) => ({ kind: 'transcriptDone', role: 'assistant', text: e.transcript, itemId: e.item_id ?? null })),
  'input_audio_buffer.speech_started': on(z.object({ item_id: optStr }), (e) => ({ kind: 'speechStarted', itemId: e.item_id ?? null })),
  'conversation.item.done': on(functionCallDone, ({ item }) => {
    if (item.type !== 'function_call' || item.name !== BACKGROUND_AGENT_TOOL) return null;
    const handoffId = item.call_id ?? item.id;
    if (!handoffId) return null;
    return { kind: 'handoff', handoffId, itemId: item.id ?? handoffId, inputTranscript: handoffTranscript(item.arguments ?? '') };
  }),
  'response.created': on(z.object({}).loose(), () => ({ kind: 'responseCreated' })),
  'response.done': on(z.object({}).loose(), () => ({ kind: 'responseDone' })),
  'response.cancelled': on(responseRef, (e) => ({ kind: 'responseCancelled', responseId: e.response?.id ?? e.response_id ?? null })),
};

const V1: Record<string, Handler> = {
  ...common,
  'conversation.output_audio.delta': (frame) => {
    // v1 audio without a sample rate or channel count is dropped, not an error.
    const parsed = audioV1.safeParse(frame);
    if (!parsed.success || (parsed.data.channels ?? parsed.data.num_channels) == null) return { ok: true, event: null };
    return { ok: true, event: audio(parsed.data, false) };
  },
  'conversation.input_transcript.delta': userDelta,
  'conversation.item.input_audio_transcription.delta': userDelta,
  'conversation.output_transcript.delta': assistantDelta,
  'response.output_text.delta': assistantDelta,
  'response.output_audio_transcript.delta': assistantDelta,
  'conversation.handoff.requested': on(handoffV1, (e) => ({ kind: 'handoff', handoffId: e.handoff_id, itemId: e.item_id, inputTranscript: e.input_transcript })),
};

/** Parses one text frame for the session's version. */
export function parseRealtimeFrame(version: RealtimeVersion, text: string): ParseResult {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return { ok: false, reason: 'not a JSON object' };
  const type = (frame as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, reason: 'missing "type"' };
  const handler = (version === 'v1' ? V1 : V2)[type];
  return handler ? handler(frame) : { ok: true, event: null };
}
