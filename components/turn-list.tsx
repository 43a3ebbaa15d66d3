'use client';
import { useEffect, useState } from 'react';
import { useTurnIds } from './state/thread-store-context';
import { TurnView } from './turn-view';

/** Turns rendered at first (newest); older ones on request, so a long thread opens fast. */
const WINDOW = 30;

/** The conversation: a window over the newest turns, each keyed by id. */
export function TurnList({ onRetry, revealTurnId = null }: { onRetry: (turnId: string) => void; revealTurnId?: string | null }) {
  const ids = useTurnIds();
  const [shown, setShown] = useState(WINDOW);
  // A search result in an older turn: render back to it.
  const revealAt = revealTurnId ? ids.indexOf(revealTurnId) : -1;
  useEffect(() => {
    if (revealAt >= 0) setShown((n) => Math.max(n, ids.length - revealAt));
  }, [revealAt, ids.length]);
  const hidden = Math.max(0, ids.length - shown);
  const visible = hidden > 0 ? ids.slice(hidden) : ids;
  if (ids.length === 0) return <p className="muted pad">No messages yet. Say what you want done below.</p>;
  return (
    <>
      {hidden > 0 && (
        <button type="button" className="btn small load-earlier" onClick={() => setShown((n) => n + WINDOW)}>
          Show {Math.min(hidden, WINDOW)} earlier turn{Math.min(hidden, WINDOW) === 1 ? '' : 's'} ({hidden} hidden)
        </button>
      )}
      <ol className="turns" aria-label="Conversation">
        {visible.map((id) => (
          <TurnView key={id} id={id} onRetry={onRetry} />
        ))}
      </ol>
    </>
  );
}
