'use client';
import { createContext, useCallback, useContext, useSyncExternalStore } from 'react';
import type { ThreadItem } from '@/server/protocol/turn';
import type { PendingRequest, ThreadMeta, ThreadStore, TurnState, VoiceLine } from './thread-store';

export const ThreadStoreContext = createContext<ThreadStore | null>(null);

export function useThreadStore(): ThreadStore {
  const store = useContext(ThreadStoreContext);
  if (!store) throw new Error('useThreadStore outside a ThreadStoreContext');
  return store;
}

/** Subscribes to one key of the store: a component re-renders only when that key changes. */
function useKey<T>(key: string, get: (s: ThreadStore) => T): T {
  const store = useThreadStore();
  const subscribe = useCallback((cb: () => void) => store.subscribe(key, cb), [store, key]);
  const read = () => get(store);
  return useSyncExternalStore(subscribe, read, read);
}

export const useTurnIds = (): readonly string[] => useKey('turns', (s) => s.turnIds);
export const useTurn = (id: string): TurnState | undefined => useKey(`turn:${id}`, (s) => s.turns.get(id));
export const useItem = (id: string): ThreadItem | undefined => useKey(`item:${id}`, (s) => s.items.get(id));
export const useMeta = (): ThreadMeta | null => useKey('meta', (s) => s.meta);
export const useApprovals = (): readonly PendingRequest[] => useKey('approvals', (s) => s.approvals);
export const useSteers = (): readonly { turnId: string; text: string }[] => useKey('steers', (s) => s.steers);
export const useVoiceLines = (): readonly VoiceLine[] => useKey('voice', (s) => s.voiceLines);
