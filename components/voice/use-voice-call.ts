'use client';
// Over 400 lines on purpose: one call's life (start, the server's events, barge-in, loss, every cleanup) must be read together.
import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ServerNotification } from '@/server/protocol/notifications';
import type { ThreadStore } from '../state/thread-store';
import { useTRPC, useTRPCClient } from '../trpc';
import { connected, firstAudio, mark, openMicrophone, playedSeconds, VoiceError, voiceHandshake, type VoicePeer } from './handshake';
import { LevelMeter } from './level-meter';
import { CLOSE_MESSAGES, describeRealtimeError } from './messages';
import { addTranscript, type VoiceTranscriptEntry } from './transcript';

export type VoiceStatus = 'idle' | 'connecting' | 'connected' | 'ended' | 'error';


/** How long ICE may stay disconnected before the call is given up as "network lost". */
const ICE_RECOVERY_MS = 8000;
/** From Start voice to a connected peer with remote audio. */
const CONNECT_TIMEOUT_MS = 20_000;

interface CallRefs {
  peer: VoicePeer | null;
  audio: HTMLAudioElement | null;
  sessionId: string | null;
  hold: { unsubscribe(): void } | null;
  wakeLock: { release(): Promise<void> } | null;
  meter: LevelMeter | null;
  iceTimer: ReturnType<typeof setTimeout> | null;
  offRealtime: (() => void) | null;
  /** The assistant item now playing, and the played-out seconds when it began. */
  playing: { itemId: string; baseline: number | null; cut: boolean } | null;
  lastError: string | null;
}

/**
 * One voice call on a thread (docs/realtime.md#the-browsers-call). connect() opens the mic and the peer,
 * lets the server create the upstream call and waits for the answer and the first remote audio; the call's
 * events come from the thread's live channel (the store). Falls back to a text-only call when there is no
 * microphone. Everything opened (tracks, listeners, peer, wake lock, the hold) is closed on disconnect,
 * on unmount and when the tab goes away.
 */
export function useVoiceCall(threadId: string, store: ThreadStore) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [status, setStatus] = useState<VoiceStatus>('idle');
  const [mode, setMode] = useState<'audio' | 'text'>('audio');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [muted, setMutedState] = useState(false);
  const [talking, setTalking] = useState(false);
  const [playback, setPlayback] = useState<'idle' | 'playing' | 'stopped'>('idle');
  /** Turn count when the voice model last handed work to the agent (null: no hand-off this call). */
  const [agentSince, setAgentSince] = useState<number | null>(null);
  const [connectedAt, setConnectedAt] = useState<number | null>(null);
  const [transcript, setTranscript] = useState<VoiceTranscriptEntry[]>([]);
  const refs = useRef<CallRefs>({ peer: null, audio: null, sessionId: null, hold: null, wakeLock: null, meter: null, iceTimer: null, offRealtime: null, playing: null, lastError: null });
  const mutedRef = useRef(false);
  /** The connect() in progress, if any: finishing the call cancels it (its own failure must not overwrite why). */
  const abortRef = useRef<AbortController | null>(null);
  const entryId = useRef(0);
  const start = useMutation(trpc.realtime.start.mutationOptions());
  const stop = useMutation(trpc.realtime.stop.mutationOptions());
  const appendText = useMutation(trpc.realtime.appendText.mutationOptions());
  const truncate = useMutation(trpc.realtime.truncate.mutationOptions());

  /** Closes everything this call opened; the upstream call is stopped by the caller (or already ended). */
  const cleanup = useCallback(() => {
    const r = refs.current;
    r.offRealtime?.();
    r.offRealtime = null;
    r.hold?.unsubscribe();
    r.hold = null;
    if (r.iceTimer) clearTimeout(r.iceTimer);
    r.iceTimer = null;
    r.peer?.close();
    r.peer = null;
    if (r.audio) {
      r.audio.pause();
      r.audio.srcObject = null;
      r.audio.remove();
    }
    r.audio = null;
    r.meter?.close();
    r.meter = null;
    void r.wakeLock?.release().catch(() => {});
    r.wakeLock = null;
    r.playing = null;
    setPlayback('idle');
    setTalking(false);
  }, []);

  const stopUpstream = useCallback(
    (sessionId: string | null) => {
      if (sessionId) stop.mutate({ threadId, sessionId });
    },
    [stop, threadId],
  );

  const finish = useCallback(
    (next: 'ended' | 'error', message: string | null) => {
      const sessionId = refs.current.sessionId;
      refs.current.sessionId = null;
      abortRef.current?.abort();
      abortRef.current = null;
      cleanup();
      stopUpstream(sessionId);
      setAgentSince(null);
      setStatus(next);
      if (message) setError(message);
    },
    [cleanup, stopUpstream],
  );

  /** Barge-in: the assistant's audio stops now; the server truncates the item where it was heard. */
  const bargeIn = useCallback(() => {
    const r = refs.current;
    const playing = r.playing;
    if (!playing || playing.cut || !r.peer) return;
    playing.cut = true;
    if (r.audio) r.audio.muted = true;
    setPlayback('stopped');
    const pc = r.peer.pc;
    void playedSeconds(pc).then((now) => {
      const ms = now !== null && playing.baseline !== null ? Math.max(0, Math.round((now - playing.baseline) * 1000)) : 0;
      truncate.mutate({ threadId, itemId: playing.itemId, audioEndMs: ms });
    });
  }, [threadId, truncate]);

  const pushEntry = useCallback((role: 'user' | 'assistant', text: string, final: boolean) => {
    setTranscript((prev) => addTranscript(prev, role, text, final, () => ++entryId.current));
  }, []);

  /** A new assistant audio item: playback resumes (a barge-in muted the previous one). */
  const assistantItem = useCallback((itemId: string) => {
    const r = refs.current;
    if (r.playing?.itemId === itemId) return;
    r.playing = { itemId, baseline: null, cut: false };
    if (r.audio) r.audio.muted = false;
    setPlayback('playing');
    const target = r.playing;
    if (r.peer) void playedSeconds(r.peer.pc).then((s) => (target.baseline = s));
  }, []);

  const onRealtime = useCallback(
    (n: ServerNotification) => {
      const r = refs.current;
      switch (n.method) {
        case 'thread/realtime/transcript/delta':
          return pushEntry(n.params.role, n.params.delta, false);
        case 'thread/realtime/transcript/done':
          return pushEntry(n.params.role, n.params.text, true);
        case 'thread/realtime/itemAdded': {
          const item = n.params.item as { type?: string; role?: string; id?: string } | null;
          if (item?.type === 'input_audio_buffer.speech_started') return bargeIn();
          if (item?.type === 'handoff_request') return setAgentSince(store.turnIds.length);
          if (item?.type === 'message' && item.role === 'assistant' && typeof item.id === 'string') return assistantItem(item.id);
          return;
        }
        case 'thread/realtime/error':
          r.lastError = describeRealtimeError(n.params.message);
          setError(r.lastError);
          return;
        case 'thread/realtime/closed': {
          if (!r.sessionId) return;
          const reasonMessage = CLOSE_MESSAGES[n.params.reason ?? ''] ?? null;
          const failed = n.params.reason === 'error' || n.params.reason === 'max_duration' || n.params.reason === 'idle_timeout';
          r.sessionId = null; // the server already ended it: nothing to stop
          finish(failed ? 'error' : 'ended', reasonMessage ?? r.lastError);
          return;
        }
        default:
          return;
      }
    },
    [assistantItem, bargeIn, finish, pushEntry, store],
  );

  /** Holds the call on the server for as long as this tab lives (docs/realtime.md#the-browsers-call). */
  const holdCall = useCallback(
    (sessionId: string) => {
      refs.current.hold = client.realtime.hold.subscribe({ threadId, sessionId }, { onData: () => {}, onError: () => {} });
    },
    [client, threadId],
  );

  /** Waits for this call's answer SDP (after its `started`), or its start-time error. */
  const awaitAnswer = useCallback(
    (signal: AbortSignal): { answer: Promise<string>; setSession: (id: string) => void } => {
      let sessionId: string | null = null;
      let started = false;
      let off: () => void = () => {};
      const answer = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new VoiceError('negotiation', 'The voice service did not answer in time.')), CONNECT_TIMEOUT_MS);
        signal.addEventListener('abort', () => reject(new VoiceError('negotiation', 'the call was cancelled')), { once: true });
        off = store.onRealtime((n) => {
          if (n.method === 'thread/realtime/started') started = sessionId === null || n.params.realtimeSessionId === sessionId;
          else if (n.method === 'thread/realtime/sdp' && started) {
            clearTimeout(timer);
            resolve(n.params.sdp);
          } else if (n.method === 'thread/realtime/error' && !started) {
            clearTimeout(timer);
            reject(new VoiceError('upstream', describeRealtimeError(n.params.message)));
          }
        });
      });
      void answer.finally(() => off()).catch(() => {});
      return { answer, setSession: (id) => (sessionId = id) };
    },
    [store],
  );

  const keepAwake = useCallback(async () => {
    try {
      const wl = (navigator as Navigator & { wakeLock?: { request(type: 'screen'): Promise<{ release(): Promise<void> }> } }).wakeLock;
      if (wl) refs.current.wakeLock = await wl.request('screen');
    } catch {
      // Not allowed here (hidden tab, no support): the call goes on.
    }
  }, []);

  const connectText = useCallback(
    async (message: string, voice: string | null) => {
      setMode('text');
      setNotice(message);
      const { sessionId } = await start.mutateAsync({ threadId, outputModality: 'text', voice });
      refs.current.sessionId = sessionId;
      holdCall(sessionId);
      setConnectedAt(Date.now());
      setStatus('connected');
    },
    [holdCall, start, threadId],
  );

  const connect = useCallback(
    async (voice: string | null) => {
      if (refs.current.sessionId || abortRef.current) return;
      const abort = new AbortController();
      abortRef.current = abort;
      setStatus('connecting');
      mark('start');
      setError(null);
      setNotice(null);
      setTranscript([]);
      setAgentSince(null);
      refs.current.lastError = null;
      refs.current.offRealtime = store.onRealtime((n) => onRealtime(n));
      try {
        let mic: MediaStream;
        try {
          mic = await openMicrophone();
          mark('mic');
        } catch (err) {
          if (err instanceof VoiceError && (err.kind === 'permission' || err.kind === 'no-mic')) {
            await connectText(err.message, voice);
            return;
          }
          throw err;
        }
        setMode('audio');
        const pending = awaitAnswer(abort.signal);
        const peer = await voiceHandshake({
          mic,
          signal: abort.signal,
          exchange: async (offerSdp) => {
            const { sessionId } = await start.mutateAsync({ threadId, sdp: offerSdp, voice });
            refs.current.sessionId = sessionId;
            pending.setSession(sessionId);
            holdCall(sessionId);
            return pending.answer;
          },
        });
        refs.current.peer = peer;
        const r = refs.current;
        peer.micTrack.enabled = !mutedRef.current;
        if (mutedRef.current) await peer.sender.replaceTrack(null);
        r.meter = LevelMeter.open(peer.mic);
        peer.channel.addEventListener('message', (e: MessageEvent) => {
          // The upstream's own events on the data channel: speech start stops playback without waiting for the server.
          try {
            const ev = JSON.parse(String(e.data)) as { type?: string };
            if (ev.type === 'input_audio_buffer.speech_started') bargeIn();
          } catch {
            // not JSON: ignored
          }
        });
        peer.pc.addEventListener('iceconnectionstatechange', () => {
          const state = peer.pc.iceConnectionState;
          if (state === 'connected' || state === 'completed') {
            if (r.iceTimer) clearTimeout(r.iceTimer);
            r.iceTimer = null;
            setNotice(null);
          } else if (state === 'disconnected' && !r.iceTimer) {
            setNotice('Connection interrupted; trying to recover…');
            r.iceTimer = setTimeout(() => finish('error', 'The network connection was lost, so the call ended.'), ICE_RECOVERY_MS);
          } else if (state === 'failed') {
            finish('error', 'The network connection was lost, so the call ended.');
          }
        });
        const stream = await Promise.race([
          peer.remote,
          new Promise<never>((_, reject) => setTimeout(() => reject(new VoiceError('negotiation', 'No audio arrived from the voice service.')), CONNECT_TIMEOUT_MS)),
        ]);
        const audio = document.createElement('audio');
        audio.autoplay = true;
        audio.dataset.testid = 'voice-audio';
        audio.hidden = true;
        audio.srcObject = stream;
        document.body.appendChild(audio);
        r.audio = audio;
        void audio.play().catch(() => {});
        await connected(peer.pc, abort.signal);
        mark('connected');
        await firstAudio(stream, abort.signal);
        mark('audio');
        if (abort.signal.aborted) return;
        void keepAwake();
        setConnectedAt(Date.now());
        setStatus('connected');
      } catch (err) {
        if (abort.signal.aborted && !(err instanceof VoiceError && err.kind === 'upstream')) return;
        finish('error', err instanceof Error ? err.message : String(err));
      } finally {
        if (abortRef.current === abort) abortRef.current = null;
      }
    },
    [awaitAnswer, bargeIn, connectText, finish, holdCall, keepAwake, onRealtime, start, store, threadId],
  );

  const disconnect = useCallback(() => {
    abortRef.current?.abort();
    abortRef.current = null;
    finish('ended', null);
  }, [finish]);

  const setMuted = useCallback((next: boolean) => {
    mutedRef.current = next;
    setMutedState(next);
    const peer = refs.current.peer;
    if (!peer) return;
    // replaceTrack(null) stops RTP altogether (a disabled track would still send silence).
    peer.micTrack.enabled = !next;
    void peer.sender.replaceTrack(next ? null : peer.micTrack).catch(() => {});
  }, []);

  /** Hold to talk: the mic is live while held (whatever Mute says), and pressing stops the assistant at once. */
  const pushToTalk = useCallback(
    (down: boolean) => {
      const peer = refs.current.peer;
      setTalking(down);
      if (!peer) return;
      if (down) bargeIn();
      const live = down || !mutedRef.current;
      peer.micTrack.enabled = live;
      void peer.sender.replaceTrack(live ? peer.micTrack : null).catch(() => {});
    },
    [bargeIn],
  );

  const sendText = useCallback(
    async (text: string) => {
      if (!refs.current.sessionId) return;
      pushEntry('user', text, true);
      await appendText.mutateAsync({ threadId, text, respond: true });
    },
    [appendText, pushEntry, threadId],
  );

  const micLevel = useCallback((): number => (mutedRef.current ? 0 : (refs.current.meter?.level() ?? 0)), []);

  // Closing or reloading the tab ends the upstream call at once (a keepalive request outlives the page);
  // the hold lapsing is the backstop when even that cannot be sent.
  useEffect(() => {
    const onPageHide = () => {
      const sessionId = refs.current.sessionId;
      if (!sessionId) return;
      refs.current.sessionId = null;
      void fetch('/api/trpc/realtime.stop', {
        method: 'POST',
        keepalive: true,
        headers: { 'content-type': 'application/json', 'x-codex-web': '1' },
        body: JSON.stringify({ threadId, sessionId }),
      }).catch(() => {});
      cleanup();
      // A page restored from the back/forward cache shows the call as over.
      setStatus('ended');
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible' && refs.current.peer && !refs.current.wakeLock) void keepAwake();
    };
    window.addEventListener('pagehide', onPageHide);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [cleanup, keepAwake, threadId]);

  // Leaving the thread view ends the call.
  useEffect(
    () => () => {
      abortRef.current?.abort();
      const sessionId = refs.current.sessionId;
      refs.current.sessionId = null;
      cleanup();
      if (sessionId) void client.realtime.stop.mutate({ threadId, sessionId }).catch(() => {});
    },
    [cleanup, client, threadId],
  );

  return {
    status,
    mode,
    error,
    notice,
    muted,
    talking,
    playback,
    agentSince,
    connectedAt,
    transcript,
    connect,
    disconnect,
    setMuted,
    pushToTalk,
    sendText,
    micLevel,
    peer: () => refs.current.peer,
  };
}

