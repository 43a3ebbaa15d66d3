'use client';
import { useInfiniteQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { FoldedHighlight } from './highlight';
import { useLoadMoreOnView } from './hooks/use-load-more-on-view';
import { threadTitle } from './thread-row';
import { useTRPC } from './trpc';

const PAGE_SIZE = 20;

/**
 * The sidebar's "In messages": threads whose messages or answers contain the term (thread/search, literal and
 * case-insensitive), each with its snippet, older ones loading as you scroll. A newer term cancels the request
 * of the one it replaces.
 */
export function MessageResults({ term, archived, activeThreadId }: { term: string; archived: boolean; activeThreadId: string | null }) {
  const trpc = useTRPC();
  const search = useInfiniteQuery(
    trpc.thread.search.infiniteQueryOptions(
      { searchTerm: term, limit: PAGE_SIZE, archived },
      { getNextPageParam: (page) => page.nextCursor ?? undefined, trpc: { abortOnUnmount: true } },
    ),
  );
  const results = search.data?.pages.flatMap((p) => p.data) ?? [];
  const sentinelRef = useLoadMoreOnView<HTMLDivElement>(search);

  return (
    <section className="message-results" aria-label="In messages" aria-busy={search.isFetching}>
      <h2 className="section-title">In messages</h2>
      {search.error && <p role="alert" className="error">{search.error.message}</p>}
      <ul className="thread-list">
        {results.map(({ thread, snippet }) => (
          <li key={thread.id} className={`thread-row message-hit${thread.id === activeThreadId ? ' active' : ''}`} data-testid="message-hit">
            <Link href={`/t/${thread.id}?q=${encodeURIComponent(term)}`} prefetch={false} className="thread-link">
              <span className="thread-title">{threadTitle(thread)}</span>
              <span className="snippet muted small">
                <FoldedHighlight text={snippet} term={term} />
              </span>
            </Link>
          </li>
        ))}
      </ul>
      {search.isSuccess && results.length === 0 && <p className="muted pad small">No message contains “{term}”.</p>}
      <div ref={sentinelRef} className="sentinel" aria-hidden="true">
        {search.isFetchingNextPage ? 'Loading…' : ''}
      </div>
    </section>
  );
}
