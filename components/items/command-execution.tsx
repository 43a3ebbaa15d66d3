'use client';
import { useEffect, useRef } from 'react';
import { ApprovalCard } from '../approval-card';
import type { PendingRequest } from '../state/thread-store';
import { displayCommand } from './display-command';
import { formatDuration, STATUS_LABEL } from './format';

export interface CommandItem {
  id: string;
  command?: unknown;
  commandActions?: unknown;
  cwd?: unknown;
  status?: unknown;
  aggregatedOutput?: unknown;
  exitCode?: unknown;
  durationMs?: unknown;
}

/** The tail we render: the DOM never holds megabytes of output. */
const SHOWN_CHARS = 64 * 1024;

/** A shell command: what ran and where, its live output, exit code and duration, and its approval. */
export function CommandExecution({ item, approval }: { item: CommandItem; approval: PendingRequest | undefined }) {
  const status = String(item.status ?? 'inProgress');
  const output = typeof item.aggregatedOutput === 'string' ? item.aggregatedOutput : '';
  const shown = output.length > SHOWN_CHARS ? output.slice(-SHOWN_CHARS) : output;
  const exitCode = typeof item.exitCode === 'number' ? item.exitCode : null;
  const outRef = useRef<HTMLPreElement>(null);
  // Follow live output like a terminal does.
  useEffect(() => {
    const el = outRef.current;
    if (el && status === 'inProgress') el.scrollTop = el.scrollHeight;
  }, [shown, status]);
  const waiting = approval !== undefined;
  return (
    <div className={`item command status-${status}`} data-testid="command">
      <div className="command-head">
        <code className="command-line">
          <span aria-hidden="true">$ </span>
          {displayCommand(item.command, item.commandActions)}
        </code>
        <span className={`chip chip-${waiting ? 'waiting' : status}`}>{waiting ? 'Needs approval' : (STATUS_LABEL[status] ?? status)}</span>
      </div>
      <p className="command-meta muted small">
        <span>
          in <code>{String(item.cwd ?? '')}</code>
        </span>
        {exitCode !== null && <span data-testid="exit-code">exit {exitCode}</span>}
        {typeof item.durationMs === 'number' && <span>{formatDuration(item.durationMs)}</span>}
      </p>
      {approval && <ApprovalCard request={approval} />}
      {shown && (
        <pre ref={outRef} className="command-output" aria-label="Command output" tabIndex={0}>
          {shown.length < output.length && <span className="muted">… earlier output cut …{'\n'}</span>}
          {shown}
        </pre>
      )}
    </div>
  );
}
