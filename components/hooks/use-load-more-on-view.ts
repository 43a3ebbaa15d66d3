'use client';
import { useEffect, useRef } from 'react';

/** The part of an infinite query that loads more (TanStack Query's useInfiniteQuery result). */
interface Pager {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
}

/** Infinite scroll: returns the ref for a sentinel element; the next page loads when it comes into view. */
export function useLoadMoreOnView<T extends Element>({ hasNextPage, isFetchingNextPage, fetchNextPage }: Pager) {
  const sentinelRef = useRef<T>(null);
  useEffect(() => {
    const el = sentinelRef.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && hasNextPage && !isFetchingNextPage) void fetchNextPage();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  return sentinelRef;
}
