import type { EffectiveConfig } from '../config/load';

const REDACTED = '<redacted>';
/** Headers whose values are shown; every other header value may be a credential and is redacted. */
const PUBLIC_HEADERS = new Set(['accept', 'accept-language', 'content-type', 'user-agent', 'openai-beta', 'openai-organization', 'openai-project', 'x-stainless-lang', 'version']);

export function isPublicHeader(name: string): boolean {
  return PUBLIC_HEADERS.has(name.toLowerCase());
}

/** A URL with its userinfo (`user:pass@`) replaced; text that is no URL is returned unchanged. */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${REDACTED}@`);
}

function redactStrings(node: unknown): unknown {
  if (typeof node === 'string') return redactUrl(node);
  if (Array.isArray(node)) return node.map(redactStrings);
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, redactStrings(v)]));
  }
  return node;
}

/** config/read: the effective config in config.toml's own snake_case shape, secrets redacted. */
export function readConfig(config: EffectiveConfig, includeLayers: boolean) {
  // Every string that is a URL loses its userinfo, wherever it sits (base_url, realtime URLs, ...).
  const raw = redactStrings(config.raw) as Record<string, unknown> & { model_providers?: Record<string, Record<string, unknown>> };
  for (const provider of Object.values(raw.model_providers ?? {})) {
    if (provider.experimental_bearer_token) provider.experimental_bearer_token = REDACTED;
    const headers = provider.http_headers as Record<string, string> | undefined;
    for (const k of Object.keys(headers ?? {})) if (!isPublicHeader(k)) headers![k] = REDACTED;
    const query = provider.query_params as Record<string, string> | undefined;
    for (const k of Object.keys(query ?? {})) query![k] = REDACTED;
  }
  const effective = {
    ...raw,
    model: config.model,
    model_provider: config.modelProvider.id,
    approval_policy: config.approvalPolicy,
    sandbox_mode: config.sandboxMode,
  };
  return {
    config: effective,
    origins: config.origins,
    layers: includeLayers ? [{ name: { type: 'user', file: config.configFile, profile: null }, version: 'file', config: raw }] : null,
  };
}
