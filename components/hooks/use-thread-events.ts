'use client';
import { useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useState } from 'react';
import type { ThreadStreamEvent } from '@/server/trpc/router';
import { ThreadStore } from '../state/thread-store';
import { useTRPC } from '../trpc';
import { notifyIfHidden } from './use-attention';
import { displayCommand } from '../items/display-command';

/** What a notification says about an approval: the command's script, or that a change waits. */
function approvalSummary(params: unknown): string {
  const p = params as { command?: unknown; commandActions?: unknown } | undefined;
  return p?.command === undefined ? 'A change waits for your approval.' : displayCommand(p.command, p.commandActions);
}

/**
 * A thread as the live channel shows it, in a ThreadStore: the snapshot, then each event applied in
 * order. tRPC resends the last tracked id on reconnect, so the server replays exactly what was missed
 * (or sends a fresh snapshot), and the store ends up equal to an uninterrupted client's.
 */
export function useThreadEvents(threadId: string) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [store] = useState(() => new ThreadStore());
  const sub = useSubscription(
    trpc.thread.onEvents.subscriptionOptions(
      { threadId },
      {
        onData: ({ id, data: raw }) => {
          // Serialization loosens optional fields in the inferred type; the wire objects are the protocol's.
          const data = raw as ThreadStreamEvent;
          store.apply(data, id);
          if (data.type === 'serverRequest') notifyIfHidden('Approval needed', approvalSummary(data.params), `approval-${threadId}`);
          else if (data.type === 'event' && (data.notification.method === 'turn/started' || data.notification.method === 'turn/completed')) {
            // A turn changes the thread's preview and updated time: the sidebar's order and titles.
            void queryClient.invalidateQueries({ queryKey: trpc.thread.list.pathKey() });
            if (data.notification.method === 'turn/completed') notifyIfHidden('Turn finished', store.meta?.name ?? store.meta?.preview ?? 'Codex Web', `turn-${threadId}`);
          }
        },
      },
    ),
  );
  // Renames are connection-wide notifications (docs/protocol.md#notification-routing), not thread-scoped ones.
  useSubscription(
    trpc.thread.onGlobal.subscriptionOptions(undefined, {
      onData: (n) => {
        if (n.method === 'thread/name/updated' && n.params.threadId === threadId) store.rename(n.params.threadName ?? null);
      },
    }),
  );
  useEffect(() => () => store.flush(), [store]);
  return { store, status: sub.status, error: sub.error };
}
