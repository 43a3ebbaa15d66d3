'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useTRPC } from '../trpc';

/** Keeps every thread list fresh when any tab or Codex client starts, renames or archives a thread. */
export function useThreadListLive(): void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useSubscription(
    trpc.thread.onGlobal.subscriptionOptions(undefined, {
      onData: (n) => {
        if (n.method.startsWith('thread/')) {
          void queryClient.invalidateQueries({ queryKey: trpc.thread.list.pathKey() });
          if ('threadId' in n.params) void queryClient.invalidateQueries({ queryKey: trpc.thread.read.queryKey({ threadId: n.params.threadId }) });
        }
      },
    }),
  );
}
