import type { RealtimeEvent } from './events';
import {
  ActiveTranscript,
  AGENT_FINAL_PREFIX,
  delegationText,
  frameDurationMs,
  functionCallOutput,
  handoffAppend,
  progressItem,
  responseCreate,
  STEERING_ACKNOWLEDGEMENT,
  truncateItem,
  type TranscriptEntry,
} from './messages';
import type { ServerNotification } from '../../protocol/notifications';
import type { RealtimeVersion } from '../../protocol/realtime';

const ACTIVE_RESPONSE_ERROR = 'Conversation already has an active response in progress:';

export interface ConversationPorts {
  publish(n: ServerNotification): void;
  send(message: object): void;
  /** Hands text to the coding agent on the thread (starts or steers a turn). */
  route(text: string): void;
  /** Ends the session with an error. */
  fail(message: string): void;
  /** A completed transcript segment (kept with the thread, docs/realtime.md#transcripts). */
  transcript?(role: 'user' | 'assistant', text: string, itemId: string | null): void;
}

/**
 * The conversation state machine of one session (docs/realtime.md#event-mapping, #handoff-to-the-coding-agent): upstream events → notifications,
 * the handoff protocol (v1 handoff append; v2 progress, one function_call_output, response.create), the
 * v2 response.create queue and barge-in truncation. Pure state + ports, no I/O of its own.
 */
export class RealtimeConversation {
  private activeHandoff: string | null = null;
  private lastOutput: string | null = null;
  private activeResponse = false;
  private pendingCreate = false;
  private readonly transcript = new ActiveTranscript();
  /** The assistant audio item last heard, for truncation when the user talks over it. */
  private playback: { itemId: string | null; ms: number; playing: boolean } = { itemId: null, ms: 0, playing: false };

  constructor(
    private readonly version: RealtimeVersion,
    private readonly threadId: string,
    private readonly ports: ConversationPorts,
  ) {}

  handle(ev: RealtimeEvent): void {
    const threadId = this.threadId;
    switch (ev.kind) {
      case 'sessionUpdated':
        return;
      case 'audioOut':
        if (ev.audio.itemId !== null) {
          if (ev.audio.itemId !== this.playback.itemId) this.playback = { itemId: ev.audio.itemId, ms: 0, playing: true };
          this.playback.playing = true;
          this.playback.ms += frameDurationMs(ev.audio);
        }
        return this.ports.publish({ method: 'thread/realtime/outputAudio/delta', params: { threadId, audio: ev.audio } });
      case 'transcriptDelta':
        if (this.version === 'v1') this.transcript.delta(ev.role, ev.delta);
        this.ports.publish({ method: 'thread/realtime/transcriptUpdated', params: { threadId, role: ev.role, text: ev.delta } });
        return this.ports.publish({ method: 'thread/realtime/transcript/delta', params: { threadId, role: ev.role, delta: ev.delta } });
      case 'transcriptDone':
        if (this.version === 'v1') this.transcript.done(ev.role, ev.text);
        if (ev.text.trim() !== '') this.ports.transcript?.(ev.role, ev.text, ev.itemId ?? null);
        return this.ports.publish({ method: 'thread/realtime/transcript/done', params: { threadId, role: ev.role, text: ev.text } });
      case 'itemAdded':
        return this.ports.publish({ method: 'thread/realtime/itemAdded', params: { threadId, item: ev.item } });
      case 'speechStarted':
        this.bargeIn(ev.itemId);
        return this.ports.publish({ method: 'thread/realtime/itemAdded', params: { threadId, item: { type: 'input_audio_buffer.speech_started', item_id: ev.itemId } } });
      case 'handoff':
        return this.handoff(ev);
      case 'responseCreated':
        this.activeResponse = true;
        return;
      case 'responseDone':
        return this.responseFinished();
      case 'responseCancelled':
        this.responseFinished();
        return this.ports.publish({ method: 'thread/realtime/itemAdded', params: { threadId, item: { type: 'response.cancelled', response_id: ev.responseId } } });
      case 'error':
        if (ev.message.startsWith(ACTIVE_RESPONSE_ERROR)) {
          // Our response.create raced one the server started itself: send ours when that one ends.
          this.activeResponse = true;
          this.pendingCreate = true;
          return;
        }
        return this.ports.fail(ev.message);
    }
  }

  private handoff(ev: Extract<RealtimeEvent, { kind: 'handoff' }>): void {
    const transcript: TranscriptEntry[] = this.version === 'v1' ? this.transcript.take() : [];
    if (this.version === 'v1' || this.activeHandoff === null) {
      this.activeHandoff = ev.handoffId;
    } else {
      // A second call while the agent works steers that task; realtime hears so right away.
      this.ports.send(functionCallOutput(ev.handoffId, AGENT_FINAL_PREFIX + STEERING_ACKNOWLEDGEMENT));
      this.requestResponse();
    }
    this.ports.route(delegationText(ev.inputTranscript, transcript));
    this.ports.publish({
      method: 'thread/realtime/itemAdded',
      params: {
        threadId: this.threadId,
        item: { type: 'handoff_request', handoff_id: ev.handoffId, item_id: ev.itemId, input_transcript: ev.inputTranscript, active_transcript: transcript },
      },
    });
  }

  /** A completed assistant message of the delegated turn: a progress update while a handoff is active. */
  agentMessage(text: string): void {
    if (this.activeHandoff === null) return;
    this.lastOutput = text;
    if (this.version === 'v1') this.ports.send(handoffAppend(this.activeHandoff, AGENT_FINAL_PREFIX + text));
    else this.ports.send(progressItem(text));
  }

  /** The delegated turn ended: v2 returns the last answer as the call's single output, then asks for a response. */
  turnCompleted(): void {
    if (this.activeHandoff === null) return;
    if (this.version === 'v2' && this.lastOutput !== null) {
      this.ports.send(functionCallOutput(this.activeHandoff, AGENT_FINAL_PREFIX + this.lastOutput));
      this.requestResponse();
    }
    this.activeHandoff = null;
    this.lastOutput = null;
  }

  /**
   * Barge-in reported by a client that plays the audio itself (WebRTC): the item is cut where the
   * listener stopped hearing it. Only v2 knows `conversation.item.truncate`.
   */
  truncate(itemId: string, audioEndMs: number): boolean {
    if (this.version !== 'v2') return false;
    if (this.playback.itemId === itemId) this.playback.playing = false;
    this.ports.send(truncateItem(itemId, Math.max(0, Math.floor(audioEndMs))));
    return true;
  }

  /** Asks the model to answer (text-only calls, where no voice activity triggers a response). */
  respond(): void {
    this.requestResponse();
  }

  /** response.create, or queued (one) while a response is active. */
  private requestResponse(): void {
    if (this.activeResponse) {
      this.pendingCreate = true;
      return;
    }
    this.activeResponse = true;
    this.ports.send(responseCreate());
  }

  private responseFinished(): void {
    this.activeResponse = false;
    this.playback.playing = false;
    if (this.pendingCreate) {
      this.pendingCreate = false;
      this.requestResponse();
    }
  }

  private bargeIn(speechItemId: string | null): void {
    const { itemId, ms, playing } = this.playback;
    if (this.version !== 'v2' || !playing || itemId === null) return;
    if (speechItemId !== null && speechItemId !== itemId) return;
    this.playback.playing = false;
    this.ports.send(truncateItem(itemId, Math.floor(ms)));
  }
}
