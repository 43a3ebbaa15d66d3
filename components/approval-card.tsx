'use client';
import { useMutation } from '@tanstack/react-query';
import type { PendingRequest } from './state/thread-store';
import { displayCommand } from './items/display-command';
import { useTRPC } from './trpc';

type Decision = 'accept' | 'acceptForSession' | 'decline';

/** A pending approval inline with its item: what will run (or change), and the three answers. */
export function ApprovalCard({ request }: { request: PendingRequest }) {
  const trpc = useTRPC();
  const respond = useMutation(trpc.turn.respond.mutationOptions());
  const isCommand = request.method === 'item/commandExecution/requestApproval';
  const title = isCommand ? 'Run this command?' : 'Apply these changes?';
  const answer = (decision: Decision) => respond.mutate({ requestId: request.requestId, result: { decision } });
  const busy = respond.isPending || respond.isSuccess;
  return (
    <div className="approval" role="group" aria-label={title} data-testid="approval">
      <p className="approval-title">
        <span aria-hidden="true">⚠</span> {title}
      </p>
      {isCommand && request.params.command && (
        <pre className="approval-command">
          <code>{displayCommand(request.params.command, request.params.commandActions)}</code>
        </pre>
      )}
      {isCommand && request.params.cwd && (
        <p className="muted small">
          in <code>{request.params.cwd}</code>
        </p>
      )}
      {request.params.reason && <p className="small">{request.params.reason}</p>}
      <div className="approval-actions">
        <button type="button" className="btn primary" disabled={busy} onClick={() => answer('accept')}>
          Approve
        </button>
        <button type="button" className="btn" disabled={busy} onClick={() => answer('acceptForSession')}>
          Approve for session
        </button>
        <button type="button" className="btn danger" disabled={busy} onClick={() => answer('decline')}>
          Decline
        </button>
      </div>
      {respond.error && (
        <p role="alert" className="error">
          {respond.error.message}
        </p>
      )}
    </div>
  );
}
