import { z } from 'zod';
import { opt } from './common';

export const realtimeStartTransport = z.discriminatedUnion('type', [
  z.object({ type: z.literal('websocket') }),
  z.object({ type: z.literal('webrtc'), sdp: z.string() }),
]);

/** thread/realtime/start; accepts both `realtimeSessionId` and the older `sessionId` (seeds 000/001). */
export const realtimeStartParams = z.object({
  threadId: z.string(),
  outputModality: opt(z.enum(['text', 'audio'])),
  prompt: opt(z.string()),
  realtimeSessionId: opt(z.string()),
  sessionId: opt(z.string()),
  transport: opt(realtimeStartTransport),
  voice: opt(z.string()),
});
