'use client';
import { useState } from 'react';
import { useThreadSettings } from './hooks/use-thread-settings';

const APPROVALS = [
  ['untrusted', 'Ask before running commands'],
  ['on-request', 'Ask when the model requests it'],
  ['never', 'Never ask'],
] as const;
const SANDBOXES = [
  ['read-only', 'Read only'],
  ['workspace-write', 'Write in workspace'],
  ['danger-full-access', 'Full access (no sandbox)'],
] as const;

/** Model, approval policy and sandbox for this thread; changes apply from the next turn on. */
export function ThreadSettingsPanel({ threadId }: { threadId: string }) {
  const { settings, error, saving, update } = useThreadSettings(threadId);
  const [model, setModel] = useState<string | null>(null);
  if (!settings) return <p className="muted small">Loading settings…</p>;
  const approval = typeof settings.approvalPolicy === 'string' ? settings.approvalPolicy : 'granular';
  return (
    <div className="settings-panel">
      <form
        className="field"
        onSubmit={(e) => {
          e.preventDefault();
          if (model && model !== settings.model) update({ threadId, model });
        }}
      >
        <label htmlFor={`model-${threadId}`}>Model</label>
        <div className="inline">
          <input id={`model-${threadId}`} className="input" value={model ?? settings.model} onChange={(e) => setModel(e.target.value)} />
          <button type="submit" className="btn small" disabled={saving || !model || model === settings.model}>
            Save
          </button>
        </div>
      </form>
      <div className="field">
        <label htmlFor={`approval-${threadId}`}>Approvals</label>
        <select
          id={`approval-${threadId}`}
          className="input"
          value={approval}
          disabled={saving}
          onChange={(e) => update({ threadId, approvalPolicy: e.target.value as (typeof APPROVALS)[number][0] })}
        >
          {approval === 'granular' && <option value="granular">Granular (set by another client)</option>}
          {APPROVALS.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`sandbox-${threadId}`}>Sandbox</label>
        <select
          id={`sandbox-${threadId}`}
          className="input"
          value={settings.sandbox}
          disabled={saving}
          onChange={(e) => update({ threadId, sandbox: e.target.value as (typeof SANDBOXES)[number][0] })}
        >
          {SANDBOXES.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <p className="muted small">
        Provider <code>{settings.modelProvider}</code> · in <code>{settings.cwd}</code>
      </p>
      {error && (
        <p role="alert" className="error">
          {error.message}
        </p>
      )}
    </div>
  );
}
