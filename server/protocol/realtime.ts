import { z } from 'zod';
import { opt } from './common';

/** Wire types of the `thread/realtime/*` methods (docs/realtime.md#methods). */

export const realtimeStartTransport = z.discriminatedUnion('type', [
  z.object({ type: z.literal('websocket') }),
  z.object({ type: z.literal('webrtc'), sdp: z.string() }),
]);
export type RealtimeStartTransport = z.infer<typeof realtimeStartTransport>;

/**
 * thread/realtime/start. Accepts both `realtimeSessionId` and the older `sessionId` (older clients send the latter).
 * `prompt` is tri-state, so the schema keeps "omitted" (undefined) apart from `null`.
 */
export const realtimeStartParams = z.object({
  threadId: z.string(),
  outputModality: opt(z.enum(['text', 'audio'])),
  prompt: z.string().nullable().optional(),
  realtimeSessionId: opt(z.string()),
  sessionId: opt(z.string()),
  transport: opt(realtimeStartTransport),
  voice: opt(z.string()),
});
export type RealtimeStartParams = z.infer<typeof realtimeStartParams>;

export const realtimeAudioChunk = z.object({
  data: z.string(),
  sampleRate: z.number().int().positive(),
  numChannels: z.number().int().positive(),
  samplesPerChannel: opt(z.number().int().nonnegative()),
  itemId: opt(z.string()),
});

export const realtimeAppendAudioParams = z.object({ threadId: z.string(), audio: realtimeAudioChunk });
export type RealtimeAppendAudioParams = z.infer<typeof realtimeAppendAudioParams>;

/** `role` exists in later snapshots only; older clients send `{threadId, text}`. */
export const realtimeAppendTextParams = z.object({ threadId: z.string(), text: z.string(), role: opt(z.string()) });
export const realtimeThreadParams = z.object({ threadId: z.string() });
export const realtimeListVoicesParams = z.object({}).loose();

export interface RealtimeAudioChunk {
  data: string;
  sampleRate: number;
  numChannels: number;
  samplesPerChannel: number | null;
  itemId: string | null;
}

export type RealtimeVersion = 'v1' | 'v2';
export type RealtimeRole = 'user' | 'assistant';
/** Why a session ended: the reference's three plus our leash limits. */
export type RealtimeCloseReason = 'requested' | 'transport_closed' | 'error' | 'max_duration' | 'idle_timeout';

/** Notification params, merged into NotificationParams (notifications.ts). */
export interface RealtimeNotificationParams {
  'thread/realtime/started': { threadId: string; realtimeSessionId: string | null; sessionId: string | null; version: RealtimeVersion };
  'thread/realtime/sdp': { threadId: string; sdp: string };
  'thread/realtime/itemAdded': { threadId: string; item: unknown };
  'thread/realtime/transcriptUpdated': { threadId: string; role: RealtimeRole; text: string };
  'thread/realtime/transcript/delta': { threadId: string; role: RealtimeRole; delta: string };
  'thread/realtime/transcript/done': { threadId: string; role: RealtimeRole; text: string };
  'thread/realtime/outputAudio/delta': { threadId: string; audio: RealtimeAudioChunk };
  'thread/realtime/error': { threadId: string; message: string };
  'thread/realtime/closed': { threadId: string; reason: RealtimeCloseReason | null };
}

/**
 * A stored transcript line (docs/realtime.md#transcripts): the payload of a `voice_transcript` event record.
 * Not a ThreadItem: it never appears in thread/read or turn notifications.
 */
export const voiceTranscriptPayload = z.object({
  callId: z.string(),
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  itemId: z.string().nullable(),
  at: z.number(),
});
export type VoiceTranscriptPayload = z.infer<typeof voiceTranscriptPayload>;

/** A transcript line as the browser's timeline places it: after the turn that started last before it (null: before every turn). */
export interface VoiceTranscriptLine extends VoiceTranscriptPayload {
  seq: number;
  afterTurnId: string | null;
}
