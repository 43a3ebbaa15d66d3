import { z } from 'zod';

export const approvalPolicyConfig = z.enum(['untrusted', 'on-failure', 'on-request', 'never']);
export const sandboxModeConfig = z.enum(['read-only', 'workspace-write', 'danger-full-access']);

export const modelProviderSchema = z.object({
  name: z.string().optional(),
  base_url: z.string().url().optional(),
  wire_api: z.enum(['responses', 'chat']).optional(),
  env_key: z.string().optional(),
  env_key_instructions: z.string().optional(),
  experimental_bearer_token: z.string().optional(),
  http_headers: z.record(z.string(), z.string()).optional(),
  env_http_headers: z.record(z.string(), z.string()).optional(),
  query_params: z.record(z.string(), z.string()).optional(),
  request_max_retries: z.number().int().min(0).max(100).optional(),
  stream_max_retries: z.number().int().min(0).max(100).optional(),
  stream_idle_timeout_ms: z.number().int().positive().optional(),
  requires_openai_auth: z.boolean().optional(),
});

/** An http(s) origin exactly as browsers write it (`https://intranet.example.com`, `http://10.0.0.5:8080`). */
export const webOriginSchema = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
    } catch {
      return false;
    }
  },
  { error: (issue) => `${JSON.stringify(issue.input)} is not an origin: write scheme://host[:port] in lowercase with no path, query or trailing slash, e.g. "https://intranet.example.com"` },
);

/** config.toml: the keys codex uses that we honour (docs/protocol.md#account-and-config). */
export const configFileSchema = z.object({
  model: z.string().optional(),
  model_provider: z.string().optional(),
  model_reasoning_effort: z.enum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh']).optional(),
  model_reasoning_summary: z.enum(['auto', 'concise', 'detailed', 'none']).optional(),
  approval_policy: approvalPolicyConfig.optional(),
  sandbox_mode: sandboxModeConfig.optional(),
  sandbox_workspace_write: z
    .object({
      writable_roots: z.array(z.string()).optional(),
      network_access: z.boolean().optional(),
      exclude_tmpdir_env_var: z.boolean().optional(),
      exclude_slash_tmp: z.boolean().optional(),
    })
    .optional(),
  instructions: z.string().optional(),
  developer_instructions: z.string().optional(),
  model_providers: z.record(z.string(), modelProviderSchema).optional(),
  features: z.record(z.string(), z.boolean()).optional(),
  experimental_realtime_ws_base_url: z.string().optional(),
  experimental_realtime_ws_backend_prompt: z.string().optional(),
  experimental_realtime_ws_startup_context: z.string().optional(),
  experimental_realtime_ws_model: z.string().optional(),
  experimental_realtime_start_instructions: z.string().optional(),
  realtime: z
    .object({
      version: z.enum(['v1', 'v2']).optional(),
      type: z.string().optional(),
      voice: z.string().optional(),
      max_duration_s: z.number().int().positive().optional(),
      idle_timeout_s: z.number().int().positive().optional(),
      /** Ours: how long a browser's call lives with nobody holding it (docs/realtime.md#the-browsers-call). */
      hold_grace_s: z.number().positive().max(3600).optional(),
      /** A TUI default; the app-server uses the request's `transport`. */
      transport: z.enum(['webrtc', 'websocket']).optional(),
    })
    .optional(),
  /** Which environment variables sandboxed commands see (codex's keys; our default excludes are stricter). */
  shell_environment_policy: z
    .object({
      inherit: z.enum(['all', 'core', 'none']).optional(),
      ignore_default_excludes: z.boolean().optional(),
      exclude: z.array(z.string()).optional(),
      set: z.record(z.string(), z.string()).optional(),
      include_only: z.array(z.string()).optional(),
      /** codex reads it; we run commands without a login profile, so it is accepted and ignored. */
      experimental_use_profile: z.boolean().optional(),
    })
    .optional(),
  suppress_unstable_features_warning: z.boolean().optional(),
  /** Ours: Codex homes whose sessions are imported and kept in sync live (docs/architecture.md#importing-codex-history). */
  codex_homes: z.array(z.string()).optional(),
  /** Ours: how long a thread with no subscriber and no running turn stays loaded. */
  thread_unload_grace_s: z.number().min(0).optional(),
  /** Ours: the web app's page headers. */
  web: z
    .object({
      /** Origins allowed to frame the app (CSP frame-ancestors); empty (the default) means none, plus X-Frame-Options: DENY. */
      frame_ancestors: z.array(webOriginSchema).optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ModelProviderConfig = z.infer<typeof modelProviderSchema>;
