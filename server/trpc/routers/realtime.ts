import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { invalidRequest } from '../../protocol/errors';
import { procedure, router } from '../init';

/** An SDP offer is a few KiB; anything far larger is not one. */
const MAX_SDP_CHARS = 64 * 1024;
const threadId = z.string().min(1).max(200);
const sessionId = z.string().min(1).max(200);

/**
 * Voice calls from the browser (docs/realtime.md#the-browsers-call): a thin transport over the same realtime
 * service as `thread/realtime/*`. The call's events (started, the answer SDP, transcripts, errors, closed)
 * travel in the thread's live channel (`thread.onEvents`), with its `lastEventId` replay.
 */
export const realtimeRouter = router({
  info: procedure.query(({ ctx }) => ctx.services.realtime.info()),
  listVoices: procedure.query(({ ctx }) => ctx.services.realtime.listVoices()),

  /**
   * Starts a call: with an SDP offer, a WebRTC call whose media the browser holds (the server creates the
   * upstream call and joins its sideband); without one, a text-only session the server holds itself.
   * Answers the session id the call's events carry; the call must then be held (`hold`).
   */
  start: procedure
    .input(
      z.object({
        threadId,
        sdp: z.string().max(MAX_SDP_CHARS).startsWith('v=0', 'sdp must be an SDP offer (starting with v=0)').nullish(),
        outputModality: z.enum(['audio', 'text']).nullish(),
        voice: z.string().min(1).max(64).nullish(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const modality = input.outputModality ?? (input.sdp ? 'audio' : 'text');
      if (modality === 'audio' && !input.sdp) throw invalidRequest('an audio call needs an SDP offer');
      const id = `voice_${randomUUID()}`;
      ctx.services.realtime.start(
        {
          threadId: input.threadId,
          realtimeSessionId: id,
          outputModality: modality,
          voice: input.voice ?? null,
          transport: input.sdp ? { type: 'webrtc', sdp: input.sdp } : { type: 'websocket' },
        },
        null,
      );
      ctx.services.realtime.lease(input.threadId, id);
      return { sessionId: id };
    }),

  /** Ends the call (`sessionId`: only if it is still that call; a late stop never ends a newer one). */
  stop: procedure.input(z.object({ threadId, sessionId: sessionId.nullish() })).mutation(({ ctx, input }) => {
    if (input.sessionId) return { stopped: ctx.services.realtime.stopSession(input.threadId, input.sessionId) };
    ctx.services.realtime.stop({ threadId: input.threadId });
    return { stopped: true };
  }),

  /** Typed input; `respond` asks for an answer (text-only calls, where no voice activity does). */
  appendText: procedure
    .input(z.object({ threadId, text: z.string().min(1).max(100_000), respond: z.boolean().nullish() }))
    .mutation(({ ctx, input }) => ctx.services.realtime.appendText(input, { respond: input.respond === true })),

  /** Barge-in: the assistant item was heard up to `audioEndMs` when the user started talking. */
  truncate: procedure
    .input(z.object({ threadId, itemId: z.string().min(1).max(200), audioEndMs: z.number().int().min(0).max(24 * 3600 * 1000) }))
    .mutation(({ ctx, input }) => ctx.services.realtime.truncate(input)),

  /** The thread's stored transcript lines, for the timeline (after a reload too). */
  transcript: procedure.input(z.object({ threadId })).query(({ ctx, input }) => ctx.services.realtime.transcript(input.threadId)),

  /**
   * Holds a started call for as long as the subscription lasts. When it ends (the tab closed or crashed,
   * the network went) and nobody holds the call again within the grace period, the server stops it.
   */
  hold: procedure.input(z.object({ threadId, sessionId })).subscription(async function* ({ ctx, input, signal }) {
    const release = ctx.services.realtime.hold(input.threadId, input.sessionId);
    if (!release) {
      yield { held: false as const };
      return;
    }
    try {
      yield { held: true as const };
      await new Promise<void>((resolve) => {
        if (!signal || signal.aborted) return resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    } finally {
      release();
    }
  }),
});
