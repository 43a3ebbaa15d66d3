const LABEL: Record<string, string> = { idle: 'Offline', connecting: 'Connecting…', pending: 'Live', error: 'Disconnected' };

/** The live channel's state, announced politely to screen readers when it changes. */
export function ConnectionIndicator({ status, reconnecting }: { status: string; reconnecting: boolean }) {
  const label = status === 'connecting' && reconnecting ? 'Reconnecting…' : (LABEL[status] ?? status);
  return (
    <span className={`conn conn-${status}`} role="status" aria-live="polite" data-testid="connection" data-status={status}>
      <span className="conn-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
