'use client';
import { Fragment, useEffect, useState } from 'react';
import type { VoiceLine } from './state/thread-store';
import { useTurnIds, useVoiceLines } from './state/thread-store-context';
import { TurnView } from './turn-view';

/** Turns rendered at first (newest); older ones on request, so a long thread opens fast. */
const WINDOW = 30;

/** Voice transcript lines where they happened: after the turn that started last before them. */
function VoiceLines({ lines }: { lines: readonly VoiceLine[] }) {
  return (
    <li className="voice-lines" data-testid="voice-lines">
      {lines.map((l) => (
        <p key={l.key} className={`voice-line voice-${l.role}`} data-testid="voice-line">
          <span className="voice-who">{l.role === 'user' ? 'You (voice)' : 'Assistant (voice)'}:</span>{' '}
          {l.text}
        </p>
      ))}
    </li>
  );
}

/** The conversation: a window over the newest turns, each keyed by id, with voice lines between them. */
export function TurnList({ onRetry, revealTurnId = null }: { onRetry: (turnId: string) => void; revealTurnId?: string | null }) {
  const ids = useTurnIds();
  const voice = useVoiceLines();
  const byTurn = new Map<string | null, VoiceLine[]>();
  for (const l of voice) {
    const key = l.afterTurnId !== null && !ids.includes(l.afterTurnId) ? null : l.afterTurnId;
    const group = byTurn.get(key);
    if (group) group.push(l);
    else byTurn.set(key, [l]);
  }
  const [shown, setShown] = useState(WINDOW);
  // A search result in an older turn: render back to it.
  const revealAt = revealTurnId ? ids.indexOf(revealTurnId) : -1;
  useEffect(() => {
    if (revealAt >= 0) setShown((n) => Math.max(n, ids.length - revealAt));
  }, [revealAt, ids.length]);
  const hidden = Math.max(0, ids.length - shown);
  const visible = hidden > 0 ? ids.slice(hidden) : ids;
  if (ids.length === 0 && voice.length === 0) return <p className="muted pad">No messages yet. Say what you want done below.</p>;
  const before = byTurn.get(null);
  return (
    <>
      {hidden > 0 && (
        <button type="button" className="btn small load-earlier" onClick={() => setShown((n) => n + WINDOW)}>
          Show {Math.min(hidden, WINDOW)} earlier turn{Math.min(hidden, WINDOW) === 1 ? '' : 's'} ({hidden} hidden)
        </button>
      )}
      <ol className="turns" aria-label="Conversation">
        {before && hidden === 0 && <VoiceLines lines={before} />}
        {visible.map((id) => {
          const lines = byTurn.get(id);
          return (
            <Fragment key={id}>
              <TurnView id={id} onRetry={onRetry} />
              {lines && <VoiceLines lines={lines} />}
            </Fragment>
          );
        })}
      </ol>
    </>
  );
}
