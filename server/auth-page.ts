import type { ServerResponse } from 'node:http';
import { frameAncestorsSources } from './security-headers';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

// Self-contained (no scripts, no assets: nothing else is served before login), light and dark.
const STYLE = `
:root{color-scheme:light dark;--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#4b5563;--border:#d0d7de;--accent:#0b57d0;--accent-fg:#fff;--field:#6b7280}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--card:#171a21;--fg:#e6e8eb;--muted:#aab2bd;--border:#2d333b;--accent:#8ab4f8;--accent-fg:#0f1115;--field:#8b949e}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;padding:16px}
main{max-width:32rem;width:100%;background:var(--card);border:1px solid var(--border);border-radius:12px;padding:24px}
h1{font-size:1.375rem;margin:0 0 8px}
p{margin:0 0 12px;color:var(--muted)}
p.alert{color:var(--fg);font-weight:600}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.875em;overflow-wrap:anywhere}
label{display:block;font-weight:600;margin:16px 0 4px}
.row{display:flex;gap:8px}
input{flex:1;min-width:0;font:inherit;padding:8px 10px;border:1px solid var(--field);border-radius:8px;background:var(--bg);color:var(--fg)}
button{font:inherit;font-weight:600;padding:8px 14px;border:0;border-radius:8px;background:var(--accent);color:var(--accent-fg);cursor:pointer}
a{color:var(--accent)}
.later{margin-top:16px}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
`;

/**
 * The page every unauthenticated browser request gets: how to log in, plus a field to paste the
 * token (a GET form, so it lands on the same `?token=` exchange as the login link).
 */
export function sendLoginPage(res: ServerResponse, opts: { badToken: boolean; pathname: string; retryUrl: string; frameAncestors?: readonly string[] }): void {
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>Sign in · Codex Web</title><style>${STYLE}</style></head>
<body><main>
<h1>Sign in to Codex Web</h1>
${opts.badToken ? '<p class="alert" role="alert">That login link is not valid. The access token may have been rotated since it was printed.</p>' : ''}
<p>This server only opens to holders of its access token. Open the <strong>login link</strong> that
<code>codex-web serve</code> printed in its terminal when it started; it looks like
<code>http://host:port/?token=…</code>. The link signs this browser in with a session cookie.</p>
<p>The token is kept in the file <code>codex-web-access-token</code> in the server's home folder;
<code>codex-web serve --rotate-token</code> makes a new one and signs every browser out.</p>
<form method="get" action="${escapeHtml(opts.pathname)}">
<label for="token">Access token</label>
<div class="row"><input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required><button type="submit">Sign in</button></div>
</form>
<p class="later">Already signed in and arrived from a link in another app? Browsers hold the session cookie back
on such visits: <a href="${escapeHtml(opts.retryUrl)}">open this page again</a>.</p>
</main></body></html>
`;
  res.writeHead(401, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'www-authenticate': 'Bearer realm="codex-web"',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors ${frameAncestorsSources(opts.frameAncestors ?? [])}; base-uri 'none'`,
  });
  res.end(html);
}

/** tRPC's own error envelope, so the browser client surfaces it like any other TRPCClientError. */
export function sendTrpcError(res: ServerResponse, status: 401 | 403, message: string): void {
  const [code, num] = status === 401 ? ['UNAUTHORIZED', -32001] : ['FORBIDDEN', -32003];
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="codex-web"';
  res.writeHead(status, headers).end(JSON.stringify({ error: { message, code: num, data: { code, httpStatus: status } } }));
}
