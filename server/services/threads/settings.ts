import path from 'node:path';
import type { EffectiveConfig, ResolvedProvider } from '../../config/load';
import type { AskForApproval, ReasoningEffort, SandboxMode, SandboxPolicy } from '../../protocol/common';
import { invalidRequest } from '../../protocol/errors';
import type { ThreadStartParams } from '../../protocol/thread';

/** Per-thread settings, persisted as `session_meta` rollout events and restored on load. */
export interface ThreadSettings {
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: AskForApproval;
  sandbox: SandboxMode;
  reasoningEffort: ReasoningEffort | null;
  baseInstructions: string | null;
  developerInstructions: string | null;
  dynamicTools: unknown[];
  /**
   * The built-in tools the thread offers the model (docs/protocol.md#thread-config-overrides): `shell` is
   * shell_command and apply_patch (`features.shell_tool`), `updatePlan` is update_plan
   * (`tools.update_plan.enabled`). Absent in rollouts written before these existed: both on.
   */
  tools?: ThreadTools;
}

export interface ThreadTools {
  shell: boolean;
  updatePlan: boolean;
}

/** A value by its dotted key in a config map: flat `"a.b": v` keys (codex's `-c` style) or nested tables. */
function configValue(obj: Record<string, unknown> | null | undefined, key: string): unknown {
  if (!obj) return undefined;
  if (Object.hasOwn(obj, key)) return obj[key];
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** thread/start's `config` first, then what the thread already had, then config.toml; everything is on by default. */
function resolveTools(config: EffectiveConfig, base: ThreadTools | undefined, overrides: Record<string, unknown> | null | undefined): ThreadTools {
  const flag = (key: string, fromBase: boolean | undefined): boolean => {
    const v = configValue(overrides, key) ?? fromBase ?? configValue(config.raw as Record<string, unknown>, key) ?? true;
    if (typeof v !== 'boolean') throw invalidRequest(`config.${key} must be a boolean, got ${JSON.stringify(v)}`);
    return v;
  };
  return { shell: flag('features.shell_tool', base?.shell), updatePlan: flag('tools.update_plan.enabled', base?.updatePlan) };
}

/** Overrides on top of a thread's settings (or the config defaults for a new thread). */
export function resolveSettings(config: EffectiveConfig, defaultCwd: string, base: ThreadSettings | null, p: Partial<ThreadStartParams>): ThreadSettings {
  const modelProvider = p.modelProvider ?? base?.modelProvider ?? config.modelProvider.id;
  if (modelProvider !== config.modelProvider.id && !config.raw.model_providers?.[modelProvider] && modelProvider !== 'openai') {
    throw invalidRequest(`model provider "${modelProvider}" is not configured; add [model_providers.${modelProvider}] to config.toml`);
  }
  for (const t of p.dynamicTools ?? []) {
    // As the reference: only a namespace's functions can be deferred (it would have no other way to be offered).
    if (t.type !== 'namespace' && t.deferLoading) throw invalidRequest(`deferred dynamic tool must include a namespace: ${t.name}`);
  }
  return {
    model: p.model ?? base?.model ?? config.model,
    modelProvider,
    cwd: p.cwd ? path.resolve(defaultCwd, p.cwd) : (base?.cwd ?? defaultCwd),
    approvalPolicy: p.approvalPolicy ?? base?.approvalPolicy ?? config.approvalPolicy,
    sandbox: p.sandbox ?? base?.sandbox ?? config.sandboxMode,
    reasoningEffort: base?.reasoningEffort ?? config.raw.model_reasoning_effort ?? null,
    baseInstructions: p.baseInstructions ?? base?.baseInstructions ?? null,
    developerInstructions: p.developerInstructions ?? base?.developerInstructions ?? null,
    dynamicTools: p.dynamicTools ?? base?.dynamicTools ?? [],
    tools: resolveTools(config, base?.tools, p.config),
  };
}

/** A sandbox mode as the wire's SandboxPolicy object, with config.toml's workspace-write options. */
export function sandboxPolicyFor(config: EffectiveConfig, mode: SandboxMode): SandboxPolicy {
  const ws = config.raw.sandbox_workspace_write;
  switch (mode) {
    case 'read-only':
      return { type: 'readOnly', networkAccess: false };
    case 'danger-full-access':
      return { type: 'dangerFullAccess' };
    case 'workspace-write':
      return {
        type: 'workspaceWrite',
        writableRoots: ws?.writable_roots ?? [],
        networkAccess: ws?.network_access ?? false,
        excludeTmpdirEnvVar: ws?.exclude_tmpdir_env_var ?? false,
        excludeSlashTmp: ws?.exclude_slash_tmp ?? false,
      };
  }
}

const OPENAI: ResolvedProvider = { id: 'openai', name: 'OpenAI', base_url: 'https://api.openai.com/v1', env_key: 'OPENAI_API_KEY', requires_openai_auth: true };

export function providerFor(config: EffectiveConfig, id: string): ResolvedProvider {
  if (id === config.modelProvider.id) return config.modelProvider;
  const configured = config.raw.model_providers?.[id];
  if (configured?.base_url) return { ...configured, id, name: configured.name ?? id, base_url: configured.base_url };
  return OPENAI;
}
