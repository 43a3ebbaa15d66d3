import type { RealtimeRole } from '../../protocol/realtime';

/** Outbound upstream messages (docs/realtime.md#session-payloads) and the texts the handoff protocol uses. */

export const AGENT_FINAL_PREFIX = '"Agent Final Message":\n\n';
export const STEERING_ACKNOWLEDGEMENT = 'This was sent to steer the previous background agent task.';
export const PROGRESS_SUFFIX = "\n\nUpdate from background agent (task hasn't finished yet):";

/** The hot path: built by hand so a 20 ms frame costs one string concatenation. */
export const audioAppend = (data: string): string => `{"type":"input_audio_buffer.append","audio":${JSON.stringify(data)}}`;

export const userTextItem = (text: string) => ({
  type: 'conversation.item.create',
  item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
});

export const functionCallOutput = (callId: string, output: string) => ({
  type: 'conversation.item.create',
  item: { type: 'function_call_output', call_id: callId, output },
});

export const handoffAppend = (handoffId: string, outputText: string) => ({ type: 'conversation.handoff.append', handoff_id: handoffId, output_text: outputText });

export const progressItem = (text: string) => userTextItem(`${text}${PROGRESS_SUFFIX}`);

export const responseCreate = () => ({ type: 'response.create' });

export const truncateItem = (itemId: string, audioEndMs: number) => ({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: audioEndMs });

export interface TranscriptEntry {
  role: RealtimeRole;
  text: string;
}

/** The v1 active transcript: deltas extend the last same-role entry; a handoff takes and clears it. */
export class ActiveTranscript {
  private entries: TranscriptEntry[] = [];
  private static readonly MAX_ENTRIES = 64;

  delta(role: RealtimeRole, text: string): void {
    const last = this.entries.at(-1);
    if (last?.role === role) last.text += text;
    else {
      this.entries.push({ role, text });
      if (this.entries.length > ActiveTranscript.MAX_ENTRIES) this.entries.shift();
    }
  }

  done(role: RealtimeRole, text: string): void {
    for (let i = this.entries.length - 1; i >= 0; i -= 1) {
      if (this.entries[i]!.role === role) {
        this.entries[i]!.text = text;
        return;
      }
    }
    this.entries.push({ role, text });
  }

  take(): TranscriptEntry[] {
    const taken = this.entries;
    this.entries = [];
    return taken;
  }
}

const xmlEscape = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The text a handoff submits to the coding agent (the reference's `<realtime_delegation>` envelope). */
export function delegationText(inputTranscript: string, transcript: TranscriptEntry[]): string {
  const lines = transcript.map((e) => `${e.role}: ${e.text}`).join('\n');
  const input = inputTranscript.trim() !== '' ? inputTranscript : lines;
  const parts = ['<realtime_delegation>', `  <input>${xmlEscape(input)}</input>`];
  if (lines) parts.push(`  <transcript_delta>${xmlEscape(lines)}</transcript_delta>`);
  parts.push('</realtime_delegation>');
  return parts.join('\n');
}

/** Playback length of one output audio frame, for barge-in truncation. */
export function frameDurationMs(audio: { data: string; sampleRate: number; numChannels: number; samplesPerChannel: number | null }): number {
  let samples = audio.samplesPerChannel;
  if (samples === null) {
    const padding = audio.data.endsWith('==') ? 2 : audio.data.endsWith('=') ? 1 : 0;
    const bytes = Math.floor((audio.data.length * 3) / 4) - padding;
    samples = bytes / 2 / Math.max(1, audio.numChannels);
  }
  return (samples * 1000) / audio.sampleRate;
}
