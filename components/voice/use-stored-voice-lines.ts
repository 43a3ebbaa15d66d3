'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { ThreadStore } from '../state/thread-store';
import { useTRPC } from '../trpc';

/** Loads the thread's stored voice transcript lines into the store, so the timeline shows them after a reload. */
export function useStoredVoiceLines(threadId: string, store: ThreadStore): void {
  const trpc = useTRPC();
  const q = useQuery(trpc.realtime.transcript.queryOptions({ threadId }, { staleTime: Infinity, retry: 1 }));
  useEffect(() => {
    if (q.data) store.setStoredVoiceLines(q.data.lines);
  }, [q.data, store]);
}
