'use client';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTurnIds } from '../state/thread-store-context';
import { useTRPC } from '../trpc';

const HIGHLIGHT = 'search-hit';

/** The text ranges of `term` (ignoring case) inside `root`, for the CSS Custom Highlight API. */
function rangesOf(root: Element, term: string): Range[] {
  const needle = term.toLowerCase();
  const out: Range[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = (node.textContent ?? '').toLowerCase();
    for (let i = text.indexOf(needle); i >= 0 && needle; i = text.indexOf(needle, i + needle.length)) {
      const r = document.createRange();
      r.setStart(node, i);
      r.setEnd(node, i + needle.length);
      out.push(r);
    }
  }
  return out;
}

/**
 * Opening a search result (`/t/<id>?q=term`): the first occurrence (thread/searchOccurrences) is scrolled into
 * view once its item is rendered, the item is marked and the term highlighted in it. Returns the turn to reveal,
 * so a turn outside the rendered window is rendered too.
 */
export function useRevealOccurrence(threadId: string, term: string | null): { revealTurnId: string | null } {
  const trpc = useTRPC();
  const turnIds = useTurnIds();
  const [done, setDone] = useState(false);
  const occ = useQuery(trpc.thread.searchOccurrences.queryOptions({ threadId, searchTerm: term ?? '', limit: 1 }, { enabled: !!term, staleTime: Infinity }));
  const first = occ.data?.data[0] ?? null;
  useEffect(() => {
    if (!first || !term || done) return;
    let tries = 0;
    let timer: number | undefined;
    const attempt = () => {
      const anchor = document.querySelector(`[data-item-id="${CSS.escape(first.itemId)}"]`);
      const target = anchor?.firstElementChild ?? null;
      if (!target) {
        if (++tries < 50) timer = window.setTimeout(attempt, 100);
        return;
      }
      target.scrollIntoView({ block: 'center' });
      target.classList.add('search-hit-item');
      const ranges = rangesOf(target, term);
      if (ranges.length > 0 && 'highlights' in CSS) CSS.highlights.set(HIGHLIGHT, new Highlight(...ranges));
      setDone(true);
    };
    timer = window.setTimeout(attempt, 0);
    return () => window.clearTimeout(timer);
  }, [first, term, done, turnIds.length]);
  useEffect(() => () => void ('highlights' in CSS && CSS.highlights.delete(HIGHLIGHT)), []);
  return { revealTurnId: first?.turnId ?? null };
}
