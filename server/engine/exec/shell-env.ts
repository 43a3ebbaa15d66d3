// The environment a sandboxed command sees: codex's `shell_environment_policy`, with stricter default excludes.
//
// Order (as codex): start from `inherit` (all | core | none), drop the default excludes unless
// `ignore_default_excludes`, drop `exclude`, add `set`, then keep only `include_only` if it is given.
// Patterns are case-insensitive globs (`*`, `?`). Our default excludes add password, credential, PAT, DSN and
// database-URL names to codex's KEY/SECRET/TOKEN, and any value that carries credentials in a URL
// (`scheme://user:pass@host`), whatever its name.
import type { ConfigFile } from '../../config/schema';

export type ShellEnvironmentPolicy = NonNullable<ConfigFile['shell_environment_policy']>;

/** codex's "core" variables. */
export const CORE_ENV_VARS = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'USER', 'USERNAME', 'TMPDIR', 'TEMP', 'TMP'] as const;
export const DEFAULT_ENV_EXCLUDES = [
  '*KEY*',
  '*SECRET*',
  '*TOKEN*',
  '*PASSWORD*',
  '*PASSWD*',
  '*CREDENTIAL*',
  '*_PAT',
  '*_DSN',
  'DATABASE_URL',
  '*PASS',
  '*PASSPHRASE*',
  '*_PWD',
  '*_AUTH',
  'AUTH_*',
  '*_AUTH_*',
  '*COOKIE*',
] as const;
/**
 * Credentials in a URL anywhere in a value: `scheme://user:password@`, `scheme://:password@`, `scheme://token@`,
 * or a scheme-less `user:password@host` (how proxy variables are often written). Any `@` after `scheme://` counts:
 * dropping a URL with an `@` in its path costs less than passing a password that a parser reads as userinfo.
 */
const URL_CREDENTIALS = /[a-z][a-z0-9+.-]*:\/\/\S*@|^[^\s/@:]+:[^\s@/]+@[^\s@]+$/i;

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function matcher(patterns: readonly string[]): (name: string) => boolean {
  const res = patterns.map(globToRegExp);
  return (name) => res.some((re) => re.test(name));
}

/** True when a value carries URL credentials (dropped by the default excludes whatever its name). */
export function hasUrlCredentials(value: string): boolean {
  return URL_CREDENTIALS.test(value);
}

/**
 * Applies the policy to `base`; `networkDisabled` adds codex's sandbox hint. A variable whose value is one of the
 * server's own `secrets` (the provider's key variable, say) never passes, whatever the policy says.
 */
export function shellEnv(
  base: NodeJS.ProcessEnv,
  networkDisabled: boolean,
  policy: ShellEnvironmentPolicy = {},
  secrets: readonly string[] = [],
): NodeJS.ProcessEnv {
  const secretValues = new Set(secrets.filter((v) => v.length > 0));
  const inherit = policy.inherit ?? 'all';
  const core = new Set<string>(CORE_ENV_VARS);
  const defaults = matcher(DEFAULT_ENV_EXCLUDES);
  const excluded = matcher(policy.exclude ?? []);
  const env = {} as NodeJS.ProcessEnv;
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined || inherit === 'none' || (inherit === 'core' && !core.has(k))) continue;
    if (!policy.ignore_default_excludes && (defaults(k) || hasUrlCredentials(v))) continue;
    if (excluded(k) || secretValues.has(v)) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(policy.set ?? {})) env[k] = v;
  if (policy.include_only && policy.include_only.length > 0) {
    const keep = matcher(policy.include_only);
    for (const k of Object.keys(env)) if (!keep(k)) delete env[k];
  }
  if (networkDisabled) env.CODEX_SANDBOX_NETWORK_DISABLED = '1';
  return env;
}
