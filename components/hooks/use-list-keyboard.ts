'use client';
import { useCallback, type KeyboardEvent, type RefObject } from 'react';

/**
 * Arrow keys move focus between the links of a list (and from the search box into it); Enter on a
 * focused link opens it, as links do. ArrowUp from the first row returns to the search box.
 */
export function useListKeyboard(listRef: RefObject<HTMLElement | null>, searchRef: RefObject<HTMLInputElement | null>) {
  return useCallback(
    (e: KeyboardEvent) => {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      const links = Array.from(listRef.current?.querySelectorAll<HTMLElement>('a.thread-link') ?? []);
      if (links.length === 0) return;
      e.preventDefault();
      const at = links.indexOf(document.activeElement as HTMLElement);
      const next = e.key === 'ArrowDown' ? Math.min(at + 1, links.length - 1) : at - 1;
      if (next < 0) searchRef.current?.focus();
      else {
        links[next]!.focus();
        links[next]!.scrollIntoView({ block: 'nearest' });
      }
    },
    [listRef, searchRef],
  );
}
