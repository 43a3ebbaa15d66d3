'use client';
import { useMutation } from '@tanstack/react-query';
import { useCallback, useRef } from 'react';
import type { LooseItem, ThreadStore } from '../state/thread-store';
import { useTRPC } from '../trpc';

/** The running turn, if any: the newest turn while it is in progress. */
export function runningTurnId(store: ThreadStore): string | null {
  const last = store.turnIds.at(-1);
  const turn = last ? store.turns.get(last) : undefined;
  return turn?.status === 'inProgress' ? turn.id : null;
}

/** Send (start a turn, or steer the running one), stop, and retry a failed turn. */
export function useTurnActions(threadId: string, store: ThreadStore) {
  const trpc = useTRPC();
  const start = useMutation(trpc.turn.start.mutationOptions());
  const steer = useMutation(trpc.turn.steer.mutationOptions());
  const interrupt = useMutation(trpc.turn.interrupt.mutationOptions());
  // turn.start answers before turn/started arrives: remember the id so a quick second send steers.
  const started = useRef<string | null>(null);

  const current = useCallback((): string | null => {
    const live = runningTurnId(store);
    if (live) return live;
    const pending = started.current;
    return pending && !store.turns.has(pending) ? pending : null;
  }, [store]);

  const send = useCallback(
    async (text: string): Promise<boolean> => {
      const input = [{ type: 'text' as const, text }];
      const running = current();
      try {
        if (running) {
          await steer.mutateAsync({ threadId, expectedTurnId: running, input });
          store.addSteer(running, text);
        }
        else started.current = (await start.mutateAsync({ threadId, input })).turn.id;
        return true;
      } catch {
        return false;
      }
    },
    [current, start, steer, store, threadId],
  );

  const stop = useCallback(() => {
    const running = current();
    if (running) interrupt.mutate({ threadId, turnId: running });
  }, [current, interrupt, threadId]);

  const retry = useCallback(
    (turnId: string) => {
      const turn = store.turns.get(turnId);
      const first = turn?.itemIds.map((id) => store.items.get(id) as LooseItem | undefined).find((i) => i?.type === 'userMessage');
      const content = Array.isArray(first?.content) ? (first.content as { type: string; text?: string }[]) : [];
      const text = content.map((c) => (c.type === 'text' ? (c.text ?? '') : '')).join('\n');
      if (text) void send(text);
    },
    [send, store],
  );

  const error = start.error ?? steer.error ?? interrupt.error;
  return { send, stop, retry, sending: start.isPending || steer.isPending, stopping: interrupt.isPending, error };
}
