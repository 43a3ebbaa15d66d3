'use client';
import { memo } from 'react';
import { DiffView } from './diff-view';
import { formatCount, formatDuration, STATUS_LABEL } from './items/format';
import { ItemRow } from './items/item-row';
import type { PlanState, TurnState } from './state/thread-store';
import { useTurn } from './state/thread-store-context';

const PLAN_ICON: Record<string, string> = { completed: '✓', in_progress: '…', inProgress: '…', pending: '' };

function Plan({ plan }: { plan: PlanState }) {
  return (
    <div className="item plan" data-testid="plan">
      <p className="plan-title">Plan{plan.explanation ? `: ${plan.explanation}` : ''}</p>
      <ul className="checklist">
        {plan.plan.map((s, i) => (
          <li key={i} className={`step step-${s.status}`}>
            <span className="step-box" aria-hidden="true">{PLAN_ICON[s.status] ?? ''}</span>
            <span>{s.step}</span>
            <span className="sr-only"> ({s.status.replace('_', ' ')})</span>
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
  if (!turn) return null;
  const running = turn.status === 'inProgress';
  return (
    <li className="turn" aria-busy={running} data-testid="turn">
      {turn.itemIds.map((itemId) => (
        <ItemRow key={itemId} id={itemId} />
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
