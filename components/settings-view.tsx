'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { useNotificationSetting } from './hooks/use-attention';
import { useTRPC } from './trpc';

function AccountSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const account = useQuery(trpc.account.read.queryOptions());
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.account.read.queryKey() });
  const [apiKey, setApiKey] = useState('');
  const login = useMutation(trpc.account.login.mutationOptions({ onSuccess: () => (setApiKey(''), refresh()) }));
  const logout = useMutation(trpc.account.logout.mutationOptions({ onSuccess: refresh }));
  const a = account.data;
  return (
    <section className="card" aria-labelledby="account-h">
      <h2 id="account-h">Model provider</h2>
      {account.error && <p role="alert" className="error">{account.error.message}</p>}
      {a && (
        <dl className="meta">
          <dt>Provider</dt>
          <dd data-testid="provider">{a.modelProviderName} <span className="muted">({a.modelProvider})</span></dd>
          <dt>Model</dt>
          <dd data-testid="model">{a.model}</dd>
          <dt>Approvals</dt>
          <dd>{typeof a.approvalPolicy === 'string' ? a.approvalPolicy : 'granular'}</dd>
          <dt>Sandbox</dt>
          <dd>{a.sandboxMode}</dd>
          <dt>Signed in</dt>
          <dd data-testid="signed-in">{a.account ? 'Yes, with an API key' : a.requiresOpenaiAuth ? 'No — this provider needs an API key' : 'Not needed for this provider'}</dd>
        </dl>
      )}
      {a?.account ? (
        <button type="button" className="btn" onClick={() => logout.mutate()} disabled={logout.isPending}>
          Sign out
        </button>
      ) : (
        <form
          className="field"
          onSubmit={(e) => {
            e.preventDefault();
            if (apiKey.trim()) login.mutate({ apiKey: apiKey.trim() });
          }}
        >
          <label htmlFor="api-key">API key</label>
          <div className="inline">
            <input id="api-key" className="input" type="password" autoComplete="off" spellCheck={false} value={apiKey} onChange={(e) => setApiKey(e.target.value)} placeholder="sk-…" />
            <button type="submit" className="btn primary" disabled={login.isPending || !apiKey.trim()}>
              Sign in
            </button>
          </div>
          <p className="muted small">The key is stored on the server and never sent back to the browser.</p>
        </form>
      )}
      {(login.error ?? logout.error) && <p role="alert" className="error">{(login.error ?? logout.error)?.message}</p>}
    </section>
  );
}

function NotificationSection() {
  const n = useNotificationSetting();
  return (
    <section className="card" aria-labelledby="notify-h">
      <h2 id="notify-h">Notifications</h2>
      <label className="check">
        <input type="checkbox" checked={n.on} disabled={!n.supported || n.permission === 'denied'} onChange={(e) => void n.toggle(e.target.checked)} />
        Notify me when an approval is needed or a turn finishes while this tab is hidden
      </label>
      {n.permission === 'denied' && <p className="muted small">Notifications are blocked for this site in the browser settings.</p>}
    </section>
  );
}

/** `/settings`: provider and model, API-key sign-in and sign-out, notifications. */
export function SettingsView() {
  return (
    <main className="settings-page">
      <Link href="/" className="btn small ghost">
        ← Threads
      </Link>
      <h1>Settings</h1>
      <AccountSection />
      <NotificationSection />
    </main>
  );
}
