/**
 * The config.toml of a home whose model provider is a mock (a mock Responses server, a fake upstream):
 *
 *   writeFileSync(path.join(home, 'config.toml'), mockProviderConfig({ baseUrl: mock.url, approvalPolicy: 'untrusted' }));
 *
 * Layout: the top-level keys, then `extra`, then the `[model_providers.mock_provider]` table, so `extra` may
 * hold more top-level keys followed by tables of its own.
 */

export interface MockProviderConfigOptions {
  /** The provider's base_url, e.g. a mock Responses server's `url` (…/v1). */
  baseUrl: string;
  /** Default "mock-model". */
  model?: string;
  /** Default "never". */
  approvalPolicy?: string;
  /** sandbox_mode; default "read-only". */
  sandbox?: string;
  /** TOML between the top-level keys and the provider table. */
  extra?: string;
  /** Default 0. */
  requestMaxRetries?: number;
  /** Default 0. */
  streamMaxRetries?: number;
  /** The provider's display name; default "Mock provider for test"; null leaves the key out. */
  name?: string | null;
}

const str = (value: string): string => JSON.stringify(value);

export function mockProviderConfig(o: MockProviderConfigOptions): string {
  const name = o.name === undefined ? 'Mock provider for test' : o.name;
  return `model = ${str(o.model ?? 'mock-model')}
approval_policy = ${str(o.approvalPolicy ?? 'never')}
sandbox_mode = ${str(o.sandbox ?? 'read-only')}
model_provider = "mock_provider"
${o.extra ?? ''}
[model_providers.mock_provider]
${name === null ? '' : `name = ${str(name)}\n`}base_url = ${str(o.baseUrl)}
wire_api = "responses"
request_max_retries = ${o.requestMaxRetries ?? 0}
stream_max_retries = ${o.streamMaxRetries ?? 0}
`;
}

export interface RealtimeConfigOptions {
  providerUrl: string;
  realtimeUrl: string;
  enabled?: boolean;
  /** undefined = generated startup context (no key); a string = the override key. */
  startupContext?: string;
  version?: 'v1' | 'v2';
  sandbox?: 'read-only' | 'danger-full-access';
  extra?: string;
  /** More keys of the `[realtime]` table (e.g. `hold_grace_s = 0.4`). */
  realtimeKeys?: string;
}

/** The mock provider plus a realtime upstream. */
export function realtimeConfigToml(o: RealtimeConfigOptions): string {
  const startup = o.startupContext === undefined ? '' : `experimental_realtime_ws_startup_context = ${str(o.startupContext)}\n`;
  return mockProviderConfig({
    baseUrl: o.providerUrl,
    sandbox: o.sandbox ?? 'read-only',
    extra: `experimental_realtime_ws_base_url = ${str(o.realtimeUrl)}
experimental_realtime_ws_backend_prompt = "backend prompt"
${startup}${o.extra ?? ''}
[realtime]
version = ${str(o.version ?? 'v2')}
type = "conversational"
${o.realtimeKeys ?? ''}

[features]
realtime_conversation = ${o.enabled ?? true}
`,
  });
}
