import type { EffectiveConfig } from '../config/load';

const REDACTED = '<redacted>';
const SECRET_HEADER = /authorization|api[-_]?key|token|secret|cookie/i;

/** config/read: the effective config in config.toml's own snake_case shape, secrets redacted. */
export function readConfig(config: EffectiveConfig, includeLayers: boolean) {
  const raw = structuredClone(config.raw) as Record<string, unknown> & { model_providers?: Record<string, Record<string, unknown>> };
  for (const provider of Object.values(raw.model_providers ?? {})) {
    if (provider.experimental_bearer_token) provider.experimental_bearer_token = REDACTED;
    const headers = provider.http_headers as Record<string, string> | undefined;
    for (const k of Object.keys(headers ?? {})) if (SECRET_HEADER.test(k)) headers![k] = REDACTED;
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
