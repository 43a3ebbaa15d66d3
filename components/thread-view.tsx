'use client';
import { useThreadEvents } from './hooks/use-thread-events';
import { threadTitle } from './thread-row';

const CONNECTION_LABEL: Record<string, string> = {
  idle: 'Offline',
  connecting: 'Connecting…',
  pending: 'Live',
  error: 'Reconnecting…',
};

/** The open thread: header and its turns. The full renderer arrives with the web-app issue. */
export function ThreadView({ threadId }: { threadId: string }) {
  const { thread, status, error } = useThreadEvents(threadId);
  if (error && !thread) return <p role="alert" className="error pad">{error.message}</p>;
  if (!thread) return <p className="muted pad">Loading thread…</p>;
  return (
    <article className="thread-view">
      <header className="thread-header">
        <h1>{threadTitle(thread)}</h1>
        <span className="badge" data-testid="connection">{CONNECTION_LABEL[status] ?? status}</span>
      </header>
      <dl className="meta">
        <dt>Model</dt>
        <dd>{thread.model ?? '—'}</dd>
        <dt>Directory</dt>
        <dd><code>{thread.cwd}</code></dd>
        <dt>Status</dt>
        <dd>{thread.status.type}</dd>
      </dl>
      {thread.turns.length === 0 ? (
        <p className="muted">No messages yet.</p>
      ) : (
        <ol className="turns">
          {thread.turns.map((turn) => (
            <li key={turn.id} className="turn">
              <span className="muted small">Turn {turn.status}</span>
              {turn.items.map((item) => (
                <div key={item.id} className={`item item-${item.type}`}>
                  {item.type === 'agentMessage' && typeof item.text === 'string' ? item.text : item.type}
                </div>
              ))}
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}
