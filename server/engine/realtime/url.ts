import type { ResolvedProvider } from '../../config/load';
import type { RealtimeVersion } from '../../protocol/realtime';

/** docs/realtime.md#url-and-headers, step by step. */
export function realtimeWebsocketUrl(
  base: string,
  opts: { version: RealtimeVersion; model?: string | null; queryParams?: Record<string, string>; callId?: string },
): string {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new Error(`invalid realtime api_url "${base}"`);
  }
  const scheme = { 'http:': 'ws', 'https:': 'wss', 'ws:': 'ws', 'wss:': 'wss' }[url.protocol];
  if (!scheme) throw new Error('unsupported realtime api_url scheme');

  let p = url.pathname;
  if (p === '' || p === '/') p = '/v1/realtime';
  else if (p.endsWith('/realtime/')) p = p.slice(0, -1);
  else if (p.endsWith('/v1')) p = `${p}/realtime`;
  else if (p.endsWith('/v1/')) p = `${p}realtime`;

  const query = new URLSearchParams(url.search);
  if (opts.version === 'v1') query.append('intent', 'quicksilver');
  if (opts.model) query.append('model', opts.model);
  for (const [k, v] of Object.entries(opts.queryParams ?? {})) {
    if (k === 'intent' || (k === 'model' && opts.model)) continue;
    query.append(k, v);
  }
  if (opts.callId) query.append('call_id', opts.callId);
  const search = query.toString();
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  return `${scheme}://${auth}${url.host}${p}${search ? `?${search}` : ''}`;
}

/**
 * Upstream headers: provider headers, then ours (session id, auth), then default client headers only
 * where the name is not already present.
 */
export function realtimeHeaders(opts: {
  provider: Pick<ResolvedProvider, 'http_headers' | 'env_http_headers'>;
  sessionId: string;
  token: string | null;
  userAgent: string;
  env?: Record<string, string | undefined>;
}): Record<string, string> {
  const env = opts.env ?? process.env;
  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  for (const [name, varName] of Object.entries(opts.provider.env_http_headers ?? {})) {
    const value = env[varName]?.trim();
    if (value) set(name, value);
  }
  for (const [name, value] of Object.entries(opts.provider.http_headers ?? {})) set(name, value);
  set('x-session-id', opts.sessionId);
  if (opts.token) set('Authorization', `Bearer ${opts.token}`);
  for (const [name, value] of [
    ['originator', 'codex_web'],
    ['User-Agent', opts.userAgent],
  ] as const) {
    if (!headers.has(name.toLowerCase())) set(name, value);
  }
  return Object.fromEntries([...headers.values()]);
}
