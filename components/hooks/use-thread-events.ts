'use client';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import type { Thread } from '@/server/protocol/thread';
import { useTRPC } from '../trpc';

/**
 * A thread as the live channel shows it: the snapshot, then each notification applied in order.
 * tRPC resends the last tracked id on reconnect, so the server replays exactly what was missed.
 */
export function useThreadEvents(threadId: string) {
  const trpc = useTRPC();
  const [thread, setThread] = useState<Thread | null>(null);
  const sub = useSubscription(
    trpc.thread.onEvents.subscriptionOptions(
      { threadId },
      {
        onData: ({ data }) => {
          if (data.type === 'snapshot') return setThread(data.thread);
          if (data.type !== 'event') return;
          const n = data.notification;
          setThread((prev) => {
            if (!prev) return prev;
            if (n.method === 'thread/status/changed') return { ...prev, status: n.params.status };
            return prev;
          });
        },
      },
    ),
  );
  // Renames and archiving are connection-wide notifications (protocol.md), not thread-scoped ones.
  useSubscription(
    trpc.thread.onGlobal.subscriptionOptions(undefined, {
      onData: (n) => {
        if (n.method === 'thread/name/updated' && n.params.threadId === threadId) {
          setThread((prev) => (prev ? { ...prev, name: n.params.threadName ?? null } : prev));
        }
      },
    }),
  );
  return { thread, status: sub.status, error: sub.error };
}
