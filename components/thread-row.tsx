'use client';
import { useMutation } from '@tanstack/react-query';
import Link from 'next/link';
import { memo, useState } from 'react';
import type { Thread } from '@/server/protocol/thread';
import { Highlight } from './highlight';
import { useTRPC } from './trpc';

export function threadTitle(t: Pick<Thread, 'name' | 'preview'>): string {
  return t.name ?? (t.preview || 'Untitled thread');
}

/** "14:05" today, "Nov 3" this year, "Nov 3, 2024" before. */
function shortTime(ms: number): string {
  const d = new Date(ms);
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }) });
}

/** One sidebar row: the title (search match highlighted), rename inline, archive or restore. */
/** `draft`: the thread just made here, not listed until its first message or a name (docs/protocol.md#threads). */
export const ThreadRow = memo(function ThreadRow(props: { thread: Thread; active: boolean; highlight: string; archived: boolean; draft?: boolean }) {
  const { thread, active, highlight, archived, draft: isDraft = false } = props;
  const trpc = useTRPC();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const rename = useMutation(trpc.thread.setName.mutationOptions({ onSuccess: () => setEditing(false) }));
  const archive = useMutation(trpc.thread.archive.mutationOptions());
  const unarchive = useMutation(trpc.thread.unarchive.mutationOptions());
  const title = isDraft && !thread.name && !thread.preview ? 'New thread' : threadTitle(thread);

  if (editing) {
    return (
      <li className="thread-row editing">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            rename.mutate({ threadId: thread.id, name: draft });
          }}
        >
          <input
            autoFocus
            className="rename"
            aria-label="Thread name"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
          />
          <button type="submit" className="btn small" disabled={rename.isPending}>
            Save
          </button>
        </form>
        {rename.error && <p role="alert" className="error">{rename.error.message}</p>}
      </li>
    );
  }

  return (
    <li className={`thread-row${active ? ' active' : ''}${isDraft ? ' draft' : ''}`} data-testid={isDraft ? 'thread-draft-row' : 'thread-row'}>
      <Link href={`/t/${thread.id}`} prefetch={false} className="thread-link" aria-current={active ? 'page' : undefined}>
        <span className="thread-title">
          <Highlight text={title} term={highlight} />
        </span>
        {isDraft ? (
          <span className="muted small">draft</span>
        ) : (
        <time className="muted small" dateTime={new Date(thread.updatedAt * 1000).toISOString()} title={new Date(thread.updatedAt * 1000).toLocaleString()}>
          {shortTime(thread.updatedAt * 1000)}
        </time>
        )}
      </Link>
      <div className="row-actions">
        <button
          type="button"
          className="btn small ghost"
          aria-label={`Rename ${title}`}
          onClick={() => {
            setDraft(thread.name ?? thread.preview);
            setEditing(true);
          }}
        >
          Rename
        </button>
        {archived ? (
          <button type="button" className="btn small ghost" aria-label={`Restore ${title}`} onClick={() => unarchive.mutate({ threadId: thread.id })}>
            Restore
          </button>
        ) : (
          <button type="button" className="btn small ghost" aria-label={`Archive ${title}`} onClick={() => archive.mutate({ threadId: thread.id })}>
            Archive
          </button>
        )}
      </div>
    </li>
  );
});
