import type { RealtimeVersion } from '../../protocol/realtime';

/** Voices per realtime version, in the reference's order (docs/realtime.md#methods). */
export const REALTIME_VOICES = {
  v1: ['juniper', 'maple', 'spruce', 'ember', 'vale', 'breeze', 'arbor', 'sol', 'cove'],
  v2: ['alloy', 'ash', 'ballad', 'coral', 'echo', 'sage', 'shimmer', 'verse', 'marin', 'cedar'],
} as const satisfies Record<RealtimeVersion, readonly string[]>;

export const DEFAULT_VOICES: Record<RealtimeVersion, string> = { v1: 'cove', v2: 'marin' };

export interface RealtimeVoicesList {
  v1: string[];
  v2: string[];
  defaultV1: string;
  defaultV2: string;
}

export function listVoices(): { voices: RealtimeVoicesList } {
  return {
    voices: { v1: [...REALTIME_VOICES.v1], v2: [...REALTIME_VOICES.v2], defaultV1: DEFAULT_VOICES.v1, defaultV2: DEFAULT_VOICES.v2 },
  };
}

/** Request voice, else config voice, else the version's default; a voice of the other version is an error. */
export function resolveVoice(version: RealtimeVersion, requested: string | null | undefined, configured: string | null | undefined): string {
  const voice = requested ?? configured ?? DEFAULT_VOICES[version];
  const supported: readonly string[] = REALTIME_VOICES[version];
  if (!supported.includes(voice)) {
    throw new Error(`realtime voice \`${voice}\` is not supported for ${version}; supported voices: ${supported.join(', ')}`);
  }
  return voice;
}
