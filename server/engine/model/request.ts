// The HTTP request for a Responses call: URL, bearer token (by the precedence in client.ts) and headers.
import type { ResolvedProvider } from '../../config/load';

export type ModelProvider = Pick<ResolvedProvider, 'id' | 'base_url'> & Partial<Omit<ResolvedProvider, 'id' | 'base_url'>>;

export type AuthSource = 'experimental_bearer_token' | 'apiKey' | 'env_key' | 'OPENAI_API_KEY' | 'none';

/** The bearer token for a provider, by the precedence documented in client.ts. `required` = a missing token is an error. */
export function resolveAuth(
  provider: ModelProvider,
  apiKey: string | null | undefined,
  env: Record<string, string | undefined>,
): { token: string | null; source: AuthSource; required: boolean; envKey: string | null } {
  const usesOpenAiKey = !provider.env_key && (provider.id === 'openai' || provider.requires_openai_auth === true);
  const envKey = provider.env_key ?? (usesOpenAiKey ? 'OPENAI_API_KEY' : null);
  const required = envKey !== null;
  const nonEmpty = (v: string | null | undefined): v is string => typeof v === 'string' && v.trim().length > 0;
  if (nonEmpty(provider.experimental_bearer_token)) return { token: provider.experimental_bearer_token.trim(), source: 'experimental_bearer_token', required, envKey };
  if (nonEmpty(apiKey)) return { token: apiKey.trim(), source: 'apiKey', required, envKey };
  if (provider.env_key && nonEmpty(env[provider.env_key])) return { token: env[provider.env_key]!.trim(), source: 'env_key', required, envKey };
  if (usesOpenAiKey && nonEmpty(env.OPENAI_API_KEY)) return { token: env.OPENAI_API_KEY.trim(), source: 'OPENAI_API_KEY', required, envKey };
  return { token: null, source: 'none', required, envKey };
}

/** `{base_url}/responses` with `query_params` (a query already in base_url is kept). */
export function responsesUrl(provider: ModelProvider): string {
  const url = new URL(provider.base_url);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/responses`;
  for (const [k, v] of Object.entries(provider.query_params ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

export function buildHeaders(
  opts: { provider: ModelProvider; extraHeaders?: Record<string, string> },
  token: string | null,
  env: Record<string, string | undefined>,
): Headers {
  const headers = new Headers({ 'content-type': 'application/json', accept: 'text/event-stream' });
  if (token) headers.set('authorization', `Bearer ${token}`);
  for (const [name, varName] of Object.entries(opts.provider.env_http_headers ?? {})) {
    const value = env[varName];
    if (value && value.trim().length > 0) headers.set(name, value.trim());
  }
  for (const [name, value] of Object.entries(opts.provider.http_headers ?? {})) headers.set(name, value);
  for (const [name, value] of Object.entries(opts.extraHeaders ?? {})) headers.set(name, value);
  return headers;
}
