'use client';
import { ThreadSidebar } from './thread-sidebar';
import { ThreadView } from './thread-view';

/** The two-pane layout: sidebar of threads, and the open thread (or an empty state). On a phone, one at a time. */
export function AppShell({ threadId }: { threadId: string | null }) {
  return (
    <div className="shell" data-view={threadId ? 'thread' : 'list'}>
      <ThreadSidebar activeThreadId={threadId} />
      <main className="main" aria-label="Thread">
        {threadId ? (
          <ThreadView key={threadId} threadId={threadId} />
        ) : (
          <div className="empty">
            <h1>Codex Web</h1>
            <p>Pick a thread on the left, or start a new one.</p>
          </div>
        )}
      </main>
    </div>
  );
}
