'use client';
import { ApprovalCard } from '../approval-card';
import { DiffView } from '../diff-view';
import type { PendingRequest } from '../state/thread-store';
import { STATUS_LABEL } from './format';

interface Change {
  path: string;
  kind: { type?: string; move_path?: string | null } | string;
  diff: string;
}

const KIND_LABEL: Record<string, string> = { add: 'added', delete: 'deleted', update: 'modified' };

/** A patch: each file with its diff, and the approval when one is pending. */
export function FileChange({ item, approval }: { item: { id: string; changes?: unknown; status?: unknown }; approval: PendingRequest | undefined }) {
  const changes = Array.isArray(item.changes) ? (item.changes as Change[]) : [];
  const status = String(item.status ?? 'inProgress');
  return (
    <div className={`item file-change status-${status}`} data-testid="file-change">
      <div className="command-head">
        <strong>
          {changes.length} file{changes.length === 1 ? '' : 's'} changed
        </strong>
        <span className={`chip chip-${approval ? 'waiting' : status}`}>{approval ? 'Needs approval' : (STATUS_LABEL[status] ?? status)}</span>
      </div>
      {changes.map((c) => {
        const kind = typeof c.kind === 'string' ? c.kind : (c.kind?.type ?? 'update');
        const moved = typeof c.kind === 'object' && c.kind?.move_path ? ` → ${c.kind.move_path}` : '';
        return (
          <div key={c.path} className="file">
            <p className="file-path">
              <code>
                {c.path}
                {moved}
              </code>{' '}
              <span className="muted small">{KIND_LABEL[kind] ?? kind}</span>
            </p>
            <DiffView text={c.diff} kind={kind} label={`Diff of ${c.path}`} />
          </div>
        );
      })}
      {approval && <ApprovalCard request={approval} />}
    </div>
  );
}
