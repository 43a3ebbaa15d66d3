import os from 'node:os';
import type { EffectiveConfig } from '../../config/load';
import { composeInstructions, resolveBackendPrompt } from '../../engine/realtime/prompt';
import { DEFAULT_REALTIME_MODEL, type SessionSpec } from '../../engine/realtime/session-config';
import { buildStartupContext, type ContextMessage } from '../../engine/realtime/startup-context';
import { resolveVoice } from '../../engine/realtime/voices';
import type { RealtimeVersion } from '../../protocol/realtime';
import type { ThreadService } from '../threads/api';
import type { ThreadHandle } from '../threads/handle';

export const DEFAULT_MAX_DURATION_S = 3600;
export const DEFAULT_IDLE_TIMEOUT_S = 600;

export interface RealtimeStartRequest {
  /** `realtimeSessionId` (or the older `sessionId`), else the thread id. */
  sessionId: string;
  /** Tri-state: undefined = omitted. */
  prompt: string | null | undefined;
  outputModality: 'audio' | 'text';
  voice: string | null;
}

export function realtimeVersion(config: EffectiveConfig): RealtimeVersion {
  return config.raw.realtime?.version ?? 'v2';
}

export function leashLimits(config: EffectiveConfig): { maxDurationS: number; idleTimeoutS: number } {
  return {
    maxDurationS: config.raw.realtime?.max_duration_s ?? DEFAULT_MAX_DURATION_S,
    idleTimeoutS: config.raw.realtime?.idle_timeout_s ?? DEFAULT_IDLE_TIMEOUT_S,
  };
}

/** This thread's user and assistant messages, from its rollout. */
function threadMessages(thread: ThreadHandle): ContextMessage[] {
  const out: ContextMessage[] = [];
  for (const r of thread.records()) {
    if (r.kind !== 'response_item' || r.type !== 'message') continue;
    const item = r.payload as { role?: string; content?: { type?: string; text?: string }[] };
    if (item.role !== 'user' && item.role !== 'assistant') continue;
    const text = (item.content ?? []).map((c) => (typeof c.text === 'string' ? c.text : '')).join('').trim();
    if (text) out.push({ role: item.role, text });
  }
  return out;
}

async function startupContext(config: EffectiveConfig, threads: ThreadService, thread: ThreadHandle): Promise<string> {
  // A configured override, even "", replaces the generated context.
  const override = config.raw.experimental_realtime_ws_startup_context;
  if (override !== undefined) return override;
  const recent = threads.list({ limit: 40, sortKey: 'updated_at' }).data.map((t) => ({ id: t.id, cwd: t.cwd, title: t.name ?? t.preview }));
  return buildStartupContext({ threadId: thread.id, messages: threadMessages(thread), recent, cwd: thread.settings.cwd, home: os.homedir() });
}

/** Everything the upstream session is configured with (docs/realtime.md#session-configuration). Throws a user-facing Error. */
export async function buildSessionSpec(config: EffectiveConfig, threads: ThreadService, thread: ThreadHandle, req: RealtimeStartRequest): Promise<SessionSpec> {
  const version = realtimeVersion(config);
  if (req.outputModality === 'text' && version === 'v1') throw new Error('text realtime output modality requires realtime v2');
  const voice = resolveVoice(version, req.voice, config.raw.realtime?.voice);
  const prompt = resolveBackendPrompt(req.prompt, config.raw.experimental_realtime_ws_backend_prompt);
  const instructions = composeInstructions(prompt, await startupContext(config, threads, thread));
  return {
    version,
    kind: config.raw.realtime?.type === 'transcription' ? 'transcription' : 'conversational',
    instructions,
    voice,
    outputModality: req.outputModality,
    model: config.raw.experimental_realtime_ws_model ?? DEFAULT_REALTIME_MODEL,
  };
}
