'use client';
import { memo } from 'react';
import { Markdown } from '../markdown';
import { useApprovals, useItem } from '../state/thread-store-context';
import { CommandExecution, type CommandItem } from './command-execution';
import { FileChange } from './file-change';

function useApprovalFor(itemId: string) {
  return useApprovals().find((a) => a.params.itemId === itemId);
}

function UserMessage({ content }: { content: unknown }) {
  const parts = Array.isArray(content) ? (content as { type: string; text?: string; url?: string; path?: string }[]) : [];
  return (
    <div className="item user" data-testid="user-message">
      <span className="sr-only">You said: </span>
      {parts.map((p, i) =>
        p.type === 'text' ? (
          <p key={i} className="user-text">
            {p.text}
          </p>
        ) : (
          <p key={i} className="muted small">
            [image {p.url ?? p.path}]
          </p>
        ),
      )}
    </div>
  );
}

function Reasoning({ summary }: { summary: unknown }) {
  const parts = Array.isArray(summary) ? (summary as string[]).filter(Boolean) : [];
  if (parts.length === 0) return null;
  const first = parts[0]!.replace(/\*\*/g, '').split('\n')[0]!;
  return (
    <details className="item reasoning" data-testid="reasoning">
      <summary>
        <span className="reasoning-label">Reasoning</span> <span className="muted reasoning-preview">{first}</span>
      </summary>
      <Markdown text={parts.join('\n\n')} />
    </details>
  );
}

/** Commands and patches need to know about their pending approval; the rest do not. */
function ToolItem({ item }: { item: CommandItem & { type: string; changes?: unknown } }) {
  const approval = useApprovalFor(item.id);
  if (item.type === 'commandExecution') return <CommandExecution item={item} approval={approval} />;
  return <FileChange item={item} approval={approval} />;
}

/** One item by id; re-renders only when that item changes (a delta touches one row). */
export const ItemRow = memo(function ItemRow({ id }: { id: string }) {
  const item = useItem(id);
  if (!item) return null;
  switch (item.type) {
    case 'userMessage':
      return <UserMessage content={item.content} />;
    case 'agentMessage':
      return (
        <div className="item agent" data-testid="agent-message">
          <Markdown text={String(item.text ?? '')} />
        </div>
      );
    case 'reasoning':
      return <Reasoning summary={item.summary} />;
    case 'commandExecution':
    case 'fileChange':
      return <ToolItem item={item} />;
    case 'plan':
      return (
        <div className="item agent">
          <Markdown text={String(item.text ?? '')} />
        </div>
      );
    case 'dynamicToolCall':
      return (
        <div className="item tool muted small">
          Tool <code>{String(item.tool ?? '')}</code> — {String(item.status ?? '')}
        </div>
      );
    case 'contextCompaction':
      return <div className="item divider muted small">Context compacted</div>;
    default:
      // ThreadItem is a closed union, so TypeScript sees no kind left here; a newer server could still send one.
      return <div className="item muted small">{(item as { type: string }).type}</div>;
  }
});
