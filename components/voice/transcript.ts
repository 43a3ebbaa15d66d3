/** One call's live transcript as the panel's log shows it: deltas grow the open entry of their role, done closes it. */
export interface VoiceTranscriptEntry {
  id: number;
  role: 'user' | 'assistant';
  text: string;
  final: boolean;
}

/** Live transcript entries kept in React state for one call (docs/architecture.md#bounded-everything). */
export const TRANSCRIPT_LIMIT = 200;

export function addTranscript(prev: readonly VoiceTranscriptEntry[], role: 'user' | 'assistant', text: string, final: boolean, nextId: () => number): VoiceTranscriptEntry[] {
  const open = [...prev].reverse().find((e) => e.role === role && !e.final);
  const next = open ? prev.map((e) => (e === open ? { ...e, text: final ? text : e.text + text, final } : e)) : [...prev, { id: nextId(), role, text, final }];
  return next.length > TRANSCRIPT_LIMIT ? next.slice(next.length - TRANSCRIPT_LIMIT) : next;
}
