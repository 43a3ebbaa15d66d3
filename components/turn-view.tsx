'use client';
import { memo } from 'react';
import { DiffView } from './diff-view';
import { formatCount, formatDuration, STATUS_LABEL } from './items/format';
import { ItemRow } from './items/item-row';
import type { PlanState, TurnState } from './state/thread-store';
import { useSteers, useTurn } from './state/thread-store-context';

const PLAN_ICON: Record<string, string> = { completed: '✓', in_progress: '…', inProgress: '…', pending: '' };
const PLAN_LABEL: Record<string, string> = { completed: 'completed', in_progress: 'in progress', inProgress: 'in progress', pending: 'pending' };

function Plan({ plan }: { plan: PlanState }) {
  return (
    <div className="item plan" data-testid="plan">
      <p className="plan-title">Plan{plan.explanation ? `: ${plan.explanation}` : ''}</p>
      <ul className="checklist">
        {plan.plan.map((s, i) => (
          <li key={i} className={`step step-${s.status === 'in_progress' ? 'inProgress' : s.status}`}>
            <span className="step-box" aria-hidden="true">{PLAN_ICON[s.status] ?? ''}</span>
            <span>{s.step}</span>
            <span className="sr-only"> ({PLAN_LABEL[s.status] ?? s.status})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function TurnFooter({ turn, onRetry }: { turn: TurnState; onRetry: () => void }) {
  const usage = turn.usage?.total;
  return (
    <footer className="turn-foot">
      <span className={`chip chip-${turn.status}`} data-testid="turn-status">
        {turn.status === 'inProgress' ? 'Working…' : (STATUS_LABEL[turn.status] ?? turn.status)}
      </span>
      {turn.durationMs !== null && <span className="muted small">{formatDuration(turn.durationMs)}</span>}
      {usage && (
        <span className="muted small" data-testid="token-usage" title={`input ${formatCount(usage.inputTokens)} (cached ${formatCount(usage.cachedInputTokens)}), output ${formatCount(usage.outputTokens)} (reasoning ${formatCount(usage.reasoningOutputTokens)})`}>
          {formatCount(usage.totalTokens)} tokens · {formatCount(usage.inputTokens)} in · {formatCount(usage.outputTokens)} out
        </span>
      )}
      {turn.status === 'failed' && (
        <button type="button" className="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </footer>
  );
}

/** One turn: its items in order, the plan, errors, and status/usage. Re-renders only when the turn changes. */
export const TurnView = memo(function TurnView({ id, onRetry }: { id: string; onRetry: (turnId: string) => void }) {
  const turn = useTurn(id);
  const steers = useSteers().filter((s) => s.turnId === id);
  if (!turn) return null;
  const running = turn.status === 'inProgress';
  return (
    <li className="turn" aria-busy={running} data-testid="turn">
      {turn.itemIds.map((itemId) => (
        // An anchor for search results (display: contents; its child is the item).
        <div key={itemId} className="item-anchor" data-item-id={itemId}>
          <ItemRow id={itemId} />
        </div>
      ))}
      {steers.map((s, i) => (
        <div key={i} className="item user pending" data-testid="pending-steer">
          <p className="user-text">{s.text}</p>
          <p className="muted small">Queued: joins the turn at its next step</p>
        </div>
      ))}
      {turn.plan && <Plan plan={turn.plan} />}
      {turn.diff && (
        <details className="item">
          <summary>All changes in this turn</summary>
          <DiffView text={turn.diff} label="Diff of this turn" />
        </details>
      )}
      {turn.retrying && running && (
        <p className="notice small" role="status">
          {turn.retrying.message} — retrying…
        </p>
      )}
      {turn.error && (
        <p className="item error-box" role="alert">
          {turn.error.message}
        </p>
      )}
      <TurnFooter turn={turn} onRetry={() => onRetry(id)} />
    </li>
  );
});
