'use client';
import { useCallback, useSyncExternalStore } from 'react';

const KEY = 'codex-web:notify';
const listeners = new Set<() => void>();

function enabled(): boolean {
  return typeof window !== 'undefined' && window.localStorage.getItem(KEY) === 'on' && 'Notification' in window && Notification.permission === 'granted';
}

/**
 * A browser notification when the tab is hidden (approval needed, turn finished), if the person
 * turned them on in Settings. Returns silently otherwise.
 */
export function notifyIfHidden(title: string, body: string, tag: string): void {
  if (typeof document === 'undefined' || document.visibilityState !== 'hidden' || !enabled()) return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    // Some browsers only allow notifications from a service worker; nothing else to do.
  }
}

/** The Settings toggle: on asks for permission first. */
export function useNotificationSetting(): { supported: boolean; on: boolean; permission: string; toggle: (on: boolean) => Promise<void> } {
  const subscribe = useCallback((cb: () => void) => {
    listeners.add(cb);
    return () => listeners.delete(cb);
  }, []);
  const snapshot = () => (typeof window === 'undefined' ? 'ssr' : `${'Notification' in window ? Notification.permission : 'unsupported'}|${window.localStorage.getItem(KEY) ?? 'off'}`);
  const state = useSyncExternalStore(subscribe, snapshot, () => 'ssr');
  const [permission = 'default', stored = 'off'] = state.split('|');
  const toggle = async (on: boolean) => {
    if (on && 'Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
    window.localStorage.setItem(KEY, on ? 'on' : 'off');
    listeners.forEach((l) => l());
  };
  return { supported: permission !== 'unsupported', on: stored === 'on' && permission === 'granted', permission, toggle };
}
