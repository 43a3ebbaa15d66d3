'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useThreadStore, useTurn, useTurnIds } from '../state/thread-store-context';
import { useTRPC } from '../trpc';
import { useVoiceCall } from './use-voice-call';

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** The mic level, polled a few times a second into a <meter> (no re-render per audio frame). */
function MicMeter({ level, active }: { level: () => number; active: boolean }) {
  const ref = useRef<HTMLMeterElement>(null);
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => {
      if (ref.current) ref.current.value = level();
    }, 100);
    return () => clearInterval(id);
  }, [active, level]);
  return <meter ref={ref} className="voice-meter" aria-label="Microphone level" min={0} max={1} low={0.1} high={0.8} optimum={0.5} value={0} />;
}

function CallTimer({ since, capS }: { since: number | null; capS: number | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);
  const elapsed = since === null ? 0 : now - since;
  return (
    <span className="voice-timer muted small" data-testid="voice-timer">
      <span aria-label="Call time">{clock(elapsed)}</span>
      {capS !== null && <span> / {clock(capS * 1000)} max (server limit)</span>}
    </span>
  );
}

/**
 * Voice on the thread view (docs/realtime.md#the-browsers-call): Start voice / End voice, Mute, Hold to talk,
 * the voice, status, mic level, call time against the server's cap, the live transcript and "agent working…".
 */
export function VoicePanel({ threadId }: { threadId: string }) {
  const trpc = useTRPC();
  const store = useThreadStore();
  const info = useQuery(trpc.realtime.info.queryOptions(undefined, { staleTime: 60_000 }));
  const voices = useQuery(trpc.realtime.listVoices.queryOptions(undefined, { staleTime: Infinity }));
  const call = useVoiceCall(threadId, store);
  const turnIds = useTurnIds();
  const lastTurn = useTurn(turnIds.at(-1) ?? '');
  const [voice, setVoice] = useState<string | null>(null);
  const [draft, setDraft] = useState('');
  const voiceId = useId();
  const logRef = useRef<HTMLDivElement>(null);

  const version = info.data?.version ?? 'v2';
  const list = voices.data ? (version === 'v1' ? voices.data.voices.v1 : voices.data.voices.v2) : [];
  const defaultVoice = voices.data ? (version === 'v1' ? voices.data.voices.defaultV1 : voices.data.voices.defaultV2) : '';
  const live = call.status === 'connecting' || call.status === 'connected';
  const enabled = info.data?.enabled !== false;
  const agentWorking =
    call.agentSince !== null && (turnIds.length === call.agentSince ? lastTurn?.status !== 'completed' || turnIds.length === 0 : lastTurn?.status === 'inProgress');

  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [call.transcript]);

  const holdKeys = (down: boolean) => (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key !== ' ' && e.key !== 'Enter') return;
    e.preventDefault();
    if (down && e.repeat) return;
    call.pushToTalk(down);
  };

  return (
    <section className="voice-panel" aria-label="Voice call">
      <div className="voice-controls">
        {live ? (
          <button type="button" className="btn danger small" onClick={call.disconnect}>
            End voice
          </button>
        ) : (
          <button type="button" className="btn primary small" disabled={!enabled} onClick={() => void call.connect(voice ?? (defaultVoice || null))}>
            Start voice
          </button>
        )}
        <select id={voiceId} className="voice-select small" aria-label="Voice" value={voice ?? defaultVoice} disabled={live || list.length === 0} onChange={(e) => setVoice(e.target.value)}>
          {list.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        {live && call.mode === 'audio' && (
          <>
            <button type="button" className="btn small" aria-pressed={call.muted} onClick={() => call.setMuted(!call.muted)}>
              Mute
            </button>
            <button
              type="button"
              className={`btn small${call.talking ? ' primary' : ''}`}
              onPointerDown={(e) => {
                e.currentTarget.setPointerCapture?.(e.pointerId);
                call.pushToTalk(true);
              }}
              onPointerUp={() => call.pushToTalk(false)}
              onPointerCancel={() => call.pushToTalk(false)}
              onKeyDown={holdKeys(true)}
              onKeyUp={holdKeys(false)}
              onContextMenu={(e) => e.preventDefault()}
            >
              Hold to talk
            </button>
            <MicMeter level={call.micLevel} active={call.status === 'connected'} />
          </>
        )}
        {call.status !== 'idle' && (
          <span className={`chip voice-status voice-${call.status}`} data-testid="voice-status" data-playback={call.playback} role="status">
            {call.status}
          </span>
        )}
        {live && <CallTimer since={call.connectedAt} capS={info.data?.maxDurationS ?? null} />}
      </div>
      {!enabled && <p className="muted small">Voice is turned off on this server ([features] realtime_conversation).</p>}
      {call.notice && (
        <p className="notice small" role="status">
          {call.notice}
        </p>
      )}
      {call.error && (
        <p className="error small" role="alert">
          {call.error}
        </p>
      )}
      {agentWorking && live && (
        <p className="chip chip-inProgress small voice-agent" role="status" data-testid="voice-agent">
          Agent working…
        </p>
      )}
      {(live || call.transcript.length > 0) && (
        <div className="voice-transcript" role="log" aria-label="Voice transcript" ref={logRef}>
          {call.transcript.map((e) => (
            <p key={e.id} className={`voice-line voice-${e.role}${e.final ? '' : ' partial'}`}>
              <span className="voice-who">{e.role === 'user' ? 'You' : 'Assistant'}:</span> {e.text}
            </p>
          ))}
        </div>
      )}
      {live && call.mode === 'text' && call.status === 'connected' && (
        <form
          className="voice-text"
          onSubmit={(e) => {
            e.preventDefault();
            const text = draft.trim();
            if (!text) return;
            setDraft('');
            void call.sendText(text);
          }}
        >
          <input className="composer-input" aria-label="Say to the voice assistant" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Type to the voice assistant…" />
          <button type="submit" className="btn small">
            Say
          </button>
        </form>
      )}
    </section>
  );
}
