'use client';
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { useRef } from 'react';
import { Composer } from './composer';
import { ConnectionIndicator } from './connection-indicator';
import { useRevealOccurrence } from './hooks/use-reveal-occurrence';
import { useStickToBottom } from './hooks/use-stick-to-bottom';
import { useThreadEvents } from './hooks/use-thread-events';
import { useTurnActions } from './hooks/use-turn-actions';
import { ThreadStoreContext, useApprovals, useMeta, useThreadStore, useTurn, useTurnIds } from './state/thread-store-context';
import { threadTitle } from './thread-row';
import { ThreadSettingsPanel } from './thread-settings-panel';
import { useTRPC } from './trpc';
import { TurnList } from './turn-list';
import { VoicePanel } from './voice/voice-panel';
import { useStoredVoiceLines } from './voice/use-stored-voice-lines';

/** The open thread: the live store for it, and everything that reads from it. */
export function ThreadView({ threadId }: { threadId: string }) {
  const { store, status, error } = useThreadEvents(threadId);
  useStoredVoiceLines(threadId, store);
  return (
    <ThreadStoreContext.Provider value={store}>
      <ThreadBody threadId={threadId} status={status} error={error?.message ?? null} />
    </ThreadStoreContext.Provider>
  );
}

function Conversation({ threadId, onRetry }: { threadId: string; onRetry: (turnId: string) => void }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const term = useSearchParams().get('q');
  const { revealTurnId } = useRevealOccurrence(threadId, term);
  useStickToBottom(scrollRef, contentRef);
  return (
    <div className="thread-scroll" ref={scrollRef}>
      <div className="thread-content" ref={contentRef}>
        <TurnList onRetry={onRetry} revealTurnId={revealTurnId} />
      </div>
    </div>
  );
}

function ThreadBody({ threadId, status, error }: { threadId: string; status: string; error: string | null }) {
  const store = useThreadStore();
  const meta = useMeta();
  const lastTurn = useTurn(useTurnIds().at(-1) ?? '');
  const approvals = useApprovals();
  const actions = useTurnActions(threadId, store);
  const trpc = useTRPC();
  // A session the Codex CLI is writing (live sync) takes no turns here until it goes quiet.
  const sync = useQuery(trpc.thread.syncState.queryOptions({ threadId }, { refetchInterval: 2000 }));
  const readOnly = sync.data?.writtenByCodexCli ?? false;
  if (!meta) {
    return error ? (
      <p role="alert" className="error pad">
        {error}
      </p>
    ) : (
      <p className="muted pad">Loading thread…</p>
    );
  }
  const running = lastTurn?.status === 'inProgress';
  return (
    <article className="thread-view" aria-labelledby="thread-title">
      <header className="thread-header">
        <Link href="/" className="back btn small ghost">
          ← Threads
        </Link>
        <h1 id="thread-title">{threadTitle(meta)}</h1>
        <ConnectionIndicator status={status} reconnecting />
        <details className="thread-settings">
          <summary className="btn small ghost" aria-label="Thread settings">
            <span aria-hidden="true">⚙</span>
            <span className="wide-only">Thread settings</span>
          </summary>
          <ThreadSettingsPanel threadId={threadId} />
        </details>
      </header>
      <Conversation threadId={threadId} onRetry={actions.retry} />
      {readOnly && (
        <p className="notice small read-only-banner" role="status">
          The Codex CLI is writing this session: it is read-only here until it has been quiet for a few seconds.
        </p>
      )}
      {approvals.length > 0 && (
        <p className="approval-banner small" role="status">
          {approvals.length === 1 ? 'An approval is waiting above.' : `${approvals.length} approvals are waiting above.`}
        </p>
      )}
      <div className="composer-bar">
        <VoicePanel threadId={threadId} />
        <Composer
          running={running}
          sending={actions.sending || readOnly}
          stopping={actions.stopping}
          error={actions.error?.message ?? null}
          onSend={actions.send}
          onStop={actions.stop}
        />
      </div>
    </article>
  );
}
