import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { zodIssueText } from '../util/zod-issues';
import { configFileSchema, type ConfigFile, type ModelProviderConfig } from './schema';

export const DEFAULT_MODEL = 'gpt-5.1-codex';
export const DEFAULT_UNLOAD_GRACE_S = 1800;

export interface ResolvedProvider extends ModelProviderConfig {
  id: string;
  name: string;
  base_url: string;
}

export interface EffectiveConfig {
  /** The merged file + overrides, in config.toml's own snake_case shape. */
  raw: ConfigFile;
  model: string;
  modelProvider: ResolvedProvider;
  approvalPolicy: Exclude<NonNullable<ConfigFile['approval_policy']>, 'on-failure'>;
  sandboxMode: NonNullable<ConfigFile['sandbox_mode']>;
  unloadGraceMs: number;
  /** Where each top-level key came from, for config/read's `origins`. */
  origins: Record<string, { name: { type: 'user'; file: string } | { type: 'sessionFlags' } | { type: 'default' }; version: string }>;
  configFile: string;
  warnings: string[];
}

export class ConfigError extends Error {}

const BUILTIN_PROVIDERS: Record<string, ResolvedProvider> = {
  openai: { id: 'openai', name: 'OpenAI', base_url: 'https://api.openai.com/v1', env_key: 'OPENAI_API_KEY', wire_api: 'responses', requires_openai_auth: true },
};

type TomlTable = Record<string, unknown>;

/** `-c a.b=value`: the value is parsed as TOML, falling back to a plain string like codex does. */
export function parseOverride(spec: string): { keyPath: string[]; value: unknown } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new ConfigError(`invalid -c override "${spec}": expected key=value`);
  const keyPath = spec.slice(0, eq).trim().split('.').map((k) => k.trim());
  if (keyPath.some((k) => k === '')) throw new ConfigError(`invalid -c override "${spec}": empty key segment`);
  const text = spec.slice(eq + 1).trim();
  let value: unknown;
  try {
    value = (parseToml(`v = ${text}`) as TomlTable).v;
  } catch {
    value = text;
  }
  return { keyPath, value };
}

function setPath(target: TomlTable, keyPath: string[], value: unknown): void {
  let node = target;
  for (const key of keyPath.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as TomlTable;
  }
  node[keyPath[keyPath.length - 1]!] = value;
}

/** Keys present in `input` that the schema does not know, as dotted paths. */
function unknownKeys(input: unknown, schema: z.ZodType, prefix = ''): string[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  const def = (schema as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; valueType?: z.ZodType } }).def;
  if (def.type === 'optional' && def.innerType) return unknownKeys(input, def.innerType, prefix);
  if (def.type === 'record' && def.valueType) {
    return Object.entries(input).flatMap(([k, v]) => unknownKeys(v, def.valueType!, `${prefix}${k}.`));
  }
  if (def.type !== 'object' || !def.shape) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    const child = def.shape[k];
    if (!child) out.push(prefix + k);
    else out.push(...unknownKeys(v, child, `${prefix}${k}.`));
  }
  return out;
}

export function loadConfig(opts: { home: string; overrides: string[]; strict: boolean; cwd?: string }): EffectiveConfig {
  const configFile = path.join(opts.home, 'config.toml');
  let fileTable: TomlTable = {};
  if (existsSync(configFile)) {
    try {
      fileTable = parseToml(readFileSync(configFile, 'utf8')) as TomlTable;
    } catch (err) {
      const detail = err instanceof TomlError ? err.message : String(err);
      throw new ConfigError(`cannot parse ${configFile}: ${detail}`);
    }
  }
  const merged: TomlTable = structuredClone(fileTable);
  const overridden = new Set<string>();
  for (const spec of opts.overrides) {
    const { keyPath, value } = parseOverride(spec);
    setPath(merged, keyPath, value);
    overridden.add(keyPath[0]!);
  }

  const warnings: string[] = [];
  const unknown = unknownKeys(merged, configFileSchema);
  if (unknown.length > 0) {
    const msg = `unknown config keys: ${unknown.join(', ')}`;
    if (opts.strict) throw new ConfigError(`${msg} (--strict-config)`);
    warnings.push(`${msg} (ignored)`);
  }
  const parsed = configFileSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(`invalid config ${configFile}: ${zodIssueText(parsed.error, { root: '' })}`);
  }
  const raw = parsed.data;

  const providerId = raw.model_provider ?? 'openai';
  // Own keys only: a provider named "constructor" or "toString" is just undefined.
  const configured = raw.model_providers && Object.hasOwn(raw.model_providers, providerId) ? raw.model_providers[providerId] : undefined;
  const builtin = Object.hasOwn(BUILTIN_PROVIDERS, providerId) ? BUILTIN_PROVIDERS[providerId] : undefined;
  if (!configured && !builtin) throw new ConfigError(`model_provider "${providerId}" is not defined in [model_providers]`);
  const modelProvider: ResolvedProvider = {
    ...builtin,
    ...configured,
    id: providerId,
    name: configured?.name ?? builtin?.name ?? providerId,
    base_url: configured?.base_url ?? builtin?.base_url ?? '',
  };
  if (!modelProvider.base_url) throw new ConfigError(`model provider "${providerId}" has no base_url`);

  const origins: EffectiveConfig['origins'] = {};
  for (const key of Object.keys(merged)) {
    origins[key] = overridden.has(key)
      ? { name: { type: 'sessionFlags' }, version: 'overrides' }
      : { name: { type: 'user', file: configFile }, version: 'file' };
  }

  return {
    raw,
    model: raw.model ?? DEFAULT_MODEL,
    modelProvider,
    // codex's deprecated "on-failure" has no wire value any more; it behaves like on-request.
    approvalPolicy: raw.approval_policy === 'on-failure' ? 'on-request' : (raw.approval_policy ?? 'on-request'),
    sandboxMode: raw.sandbox_mode ?? 'workspace-write',
    unloadGraceMs: Math.round((raw.thread_unload_grace_s ?? DEFAULT_UNLOAD_GRACE_S) * 1000),
    origins,
    configFile,
    warnings,
  };
}
