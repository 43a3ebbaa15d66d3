'use client';
import { useId, useState, type KeyboardEvent } from 'react';

interface ComposerProps {
  running: boolean;
  sending: boolean;
  stopping: boolean;
  error: string | null;
  onSend: (text: string) => Promise<boolean>;
  onStop: () => void;
}

/** Enter sends, Shift-Enter adds a line. While a turn runs the button is Stop, and sending steers it. */
export function Composer({ running, sending, stopping, error, onSend, onStop }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const hintId = useId();
  const submit = async () => {
    const text = draft.trim();
    if (!text || sending) return;
    if (await onSend(text)) setDraft('');
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };
  return (
    <form
      className="composer"
      aria-label="Send a message"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <textarea
        className="composer-input"
        aria-label="Message"
        aria-describedby={hintId}
        placeholder={running ? 'Steer the running turn…' : 'Ask Codex to do something…'}
        value={draft}
        rows={1}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="composer-actions">
        {running && draft.trim() && (
          <button type="submit" className="btn" disabled={sending}>
            Steer
          </button>
        )}
        {running ? (
          <button type="button" className="btn danger" onClick={onStop} disabled={stopping}>
            Stop
          </button>
        ) : (
          <button type="submit" className="btn primary" disabled={sending || !draft.trim()}>
            Send
          </button>
        )}
      </div>
      <p id={hintId} className="composer-hint muted small">
        {running ? 'Enter steers the running turn · Stop interrupts it' : 'Enter to send · Shift+Enter for a new line'}
      </p>
      {error && (
        <p role="alert" className="error composer-error">
          {error}
        </p>
      )}
    </form>
  );
}
