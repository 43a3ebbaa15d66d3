import type { RealtimeVersion } from '../../protocol/realtime';

/** What a realtime session is configured with, derived at start (docs/realtime.md#session-configuration). */
export interface SessionSpec {
  version: RealtimeVersion;
  /** `[realtime] type`; v1 ignores transcription mode. */
  kind: 'conversational' | 'transcription';
  instructions: string;
  voice: string;
  outputModality: 'audio' | 'text';
  model: string;
}

export const DEFAULT_REALTIME_MODEL = 'gpt-realtime-1.5';
export const BACKGROUND_AGENT_TOOL = 'background_agent';

/** The v2 delegation tool, exactly as the 0.169 reference sends it. */
export const BACKGROUND_AGENT_TOOL_SPEC = {
  type: 'function',
  name: BACKGROUND_AGENT_TOOL,
  description:
    'Send a user request to the background agent. Use this as the default action. If the background agent is idle, this starts a new task and returns the final result to the user. If the background agent is already working on a task, this sends the request as guidance to steer that previous task. If the user asks to do something next, later, after this, or once current work finishes, call this tool so the work is actually queued instead of merely promising to do it later.',
  parameters: {
    type: 'object',
    properties: { prompt: { type: 'string', description: 'The user request to delegate to the background agent.' } },
    required: ['prompt'],
    additionalProperties: false,
  },
} as const;

const PCM_24K = { type: 'audio/pcm', rate: 24000 } as const;

type Json = Record<string, unknown>;

/** Session fields in the reference's serialization order (without `id` and `model`). */
function sessionFields(spec: SessionSpec): [string, unknown][] {
  if (spec.version === 'v1') {
    return [
      ['type', 'quicksilver'],
      ['instructions', spec.instructions],
      ['audio', { input: { format: PCM_24K }, output: { voice: spec.voice } }],
    ];
  }
  if (spec.kind === 'transcription') {
    return [
      ['type', 'transcription'],
      ['audio', { input: { format: PCM_24K } }],
    ];
  }
  return [
    ['type', 'realtime'],
    ['instructions', spec.instructions],
    ['output_modalities', [spec.outputModality]],
    [
      'audio',
      {
        input: {
          format: PCM_24K,
          noise_reduction: { type: 'near_field' },
          turn_detection: { type: 'server_vad', interrupt_response: true, create_response: true },
        },
        output: { format: PCM_24K, voice: spec.voice },
      },
    ],
    ['tools', [BACKGROUND_AGENT_TOOL_SPEC]],
    ['tool_choice', 'auto'],
  ];
}

/** The first frame on every upstream WebSocket: `session.update` without `id` or `model`. */
export function sessionUpdate(spec: SessionSpec): Json {
  return { type: 'session.update', session: Object.fromEntries(sessionFields(spec)) };
}

/**
 * The `session` part of a WebRTC call-create body. The reference serializes `model` after `type`, then
 * removes `id` with a swap-remove, which moves the last key to the front; clients and our tests compare the bytes.
 */
export function callCreateSessionJson(spec: SessionSpec): string {
  const fields = sessionFields(spec);
  fields.splice(1, 0, ['model', spec.model]);
  const last = fields.pop()!;
  fields.unshift(last);
  return JSON.stringify(Object.fromEntries(fields));
}
