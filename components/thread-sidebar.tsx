'use client';
import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { useDebounced } from './hooks/use-debounced';
import { useListKeyboard } from './hooks/use-list-keyboard';
import { useLoadMoreOnView } from './hooks/use-load-more-on-view';
import { useThreadListLive } from './hooks/use-thread-list-live';
import { MessageResults } from './message-results';
import { ThreadRow } from './thread-row';
import { useTRPC } from './trpc';
import type { Thread } from '@/server/protocol/thread';

const PAGE_SIZE = 50;

/** Threads newest first, filtered by title on the server as you type, with infinite scroll. */
/** The thread this tab started last: shown as a draft row while it is open and not yet listed. */
let startedDraft: Thread | null = null;

export function ThreadSidebar({ activeThreadId }: { activeThreadId: string | null }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [search, setSearch] = useState('');
  const [archived, setArchived] = useState(false);
  const searchTerm = useDebounced(search, 80);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const onListKey = useListKeyboard(listRef, searchRef);
  useThreadListLive();

  const list = useInfiniteQuery(
    trpc.thread.list.infiniteQueryOptions(
      { limit: PAGE_SIZE, searchTerm: searchTerm || null, archived, sortKey: 'updated_at' },
      // abortOnUnmount: a newer term cancels the request of the one it replaces. The httpBatchLink sends this and
      // "In messages"' thread.search in one request, which it aborts only once every query in it is cancelled.
      { getNextPageParam: (page) => page.nextCursor ?? undefined, placeholderData: (prev) => prev, trpc: { abortOnUnmount: true } },
    ),
  );
  const threads = list.data?.pages.flatMap((p) => p.data) ?? [];

  // A new thread is listed once it has a first message or a name (docs/protocol.md#threads); until then the
  // sidebar shows it as a draft row, while it is open.
  // Each page mounts its own sidebar, so the draft is kept beside the component to outlive the navigation to it.
  const [draft, setDraft] = useState<Thread | null>(startedDraft);
  const start = useMutation(
    trpc.thread.start.mutationOptions({
      onSuccess: (thread) => {
        startedDraft = thread;
        setDraft(thread);
        router.push(`/t/${thread.id}`);
      },
    }),
  );
  const showDraft = draft !== null && draft.id === activeThreadId && !archived && !searchTerm && !threads.some((t) => t.id === draft.id);

  // Ctrl/Cmd-K focuses search.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Infinite scroll: load the next page when the sentinel comes into view.
  const sentinelRef = useLoadMoreOnView<HTMLDivElement>(list);

  return (
    <nav className="sidebar" aria-label="Threads">
      <div className="sidebar-head">
        <div className="brand-row">
          <Link href="/" className="brand">
            Codex Web
          </Link>
          <Link href="/settings" className="btn small ghost">
            Settings
          </Link>
        </div>
        <button type="button" className="btn primary" onClick={() => start.mutate({})} disabled={start.isPending}>
          New thread
        </button>
        <input
          ref={searchRef}
          type="search"
          className="search"
          placeholder="Search (Ctrl K)"
          aria-label="Search threads"
          maxLength={1000}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && threads[0]) router.push(`/t/${threads[0].id}`);
            else onListKey(e);
          }}
        />
        <div className="tabs" role="tablist" aria-label="Thread filter">
          <button type="button" role="tab" aria-selected={!archived} className="tab" onClick={() => setArchived(false)}>
            Active
          </button>
          <button type="button" role="tab" aria-selected={archived} className="tab" onClick={() => setArchived(true)}>
            Archived
          </button>
        </div>
      </div>
      {start.error && <p role="alert" className="error">{start.error.message}</p>}
      {list.error && <p role="alert" className="error">{list.error.message}</p>}
      <ul ref={listRef} className="thread-list" aria-label="Thread list" aria-busy={list.isFetching} onKeyDown={onListKey}>
        {showDraft && <ThreadRow key={draft.id} thread={draft} active highlight="" archived={false} draft />}
        {threads.map((t) => (
          <ThreadRow key={t.id} thread={t} active={t.id === activeThreadId} highlight={searchTerm} archived={archived} />
        ))}
      </ul>
      {list.isSuccess && threads.length === 0 && !showDraft && (
        <p className="muted pad">{searchTerm ? `No thread title contains “${searchTerm}”.` : archived ? 'No archived threads.' : 'No threads yet.'}</p>
      )}
      <div ref={sentinelRef} className="sentinel" aria-hidden="true">
        {list.isFetchingNextPage ? 'Loading…' : ''}
      </div>
      {searchTerm && <MessageResults key={`${archived}`} term={searchTerm} archived={archived} activeThreadId={activeThreadId} />}
    </nav>
  );
}
