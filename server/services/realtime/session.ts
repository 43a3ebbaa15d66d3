import type { EffectiveConfig } from '../../config/load';
import { resolveAuth } from '../../engine/model/client';
import { createRealtimeCall } from '../../engine/realtime/calls';
import { parseRealtimeFrame } from '../../engine/realtime/events';
import { audioAppend, userTextItem } from '../../engine/realtime/messages';
import { callCreateSessionJson, sessionUpdate, type SessionSpec } from '../../engine/realtime/session-config';
import { UpstreamSocket } from '../../engine/realtime/transport';
import { realtimeHeaders, realtimeWebsocketUrl } from '../../engine/realtime/url';
import type { ServerNotification } from '../../protocol/notifications';
import type { RealtimeAudioChunk, RealtimeCloseReason, RealtimeStartTransport, RealtimeVersion } from '../../protocol/realtime';
import { log } from '../../util/log';
import type { AccountService } from '../account-service';
import { RealtimeConversation } from '../../engine/realtime/conversation';
import { RealtimeDelegation } from './delegation';
import { joinSideband } from '../../engine/realtime/sideband';
import { buildSessionSpec, leashLimits, realtimeVersion, type RealtimeStartRequest } from './spec';
import type { ThreadService } from '../threads/api';
import type { ThreadHandle } from '../threads/handle';
import type { TurnRunner } from '../turns/turn-runner';

/** Frames held while the upstream socket is not open yet (WebRTC sideband join) (docs/realtime.md#methods). */
const MAX_PENDING_AUDIO = 256;
const MAX_PENDING_TEXT = 64;
/** Beyond this much unsent data on the upstream socket, new audio frames are dropped. */
const MAX_BUFFERED_AUDIO_BYTES = 256 * 2048;
/** The rollout event type of a stored transcript line (docs/realtime.md#transcripts). */
export const VOICE_TRANSCRIPT = 'voice_transcript';

export interface RealtimeSessionDeps {
  thread: ThreadHandle;
  threads: ThreadService;
  turns: TurnRunner;
  account: AccountService;
  config: EffectiveConfig;
  userAgent: string;
  onEnded(session: RealtimeSession): void;
}

/**
 * One realtime voice session on a thread: it creates the upstream session, relays client audio/text,
 * maps upstream events to `thread/realtime/*` notifications and hands spoken requests to the coding
 * agent (docs/realtime.md#handoff-to-the-coding-agent). Everything on the audio path is synchronous: no await sits between a frame
 * arriving and it leaving.
 */
export class RealtimeSession {
  readonly threadId: string;
  readonly version: RealtimeVersion;
  /** The upstream WebRTC call id once created; transcripts of a WebSocket session use the session id. */
  private callId: string | null = null;
  private state: 'starting' | 'running' | 'ended' = 'starting';
  private socket: UpstreamSocket | null = null;
  private pending: string[] = [];
  private pendingAudio = 0;
  private pendingText = 0;
  private readonly abort = new AbortController();
  private readonly delegation: RealtimeDelegation;
  private readonly conversation: RealtimeConversation;
  private lastActivity = Date.now();
  private timers: NodeJS.Timeout[] = [];
  droppedAudioFrames = 0;

  constructor(
    private readonly deps: RealtimeSessionDeps,
    private readonly request: RealtimeStartRequest,
    private readonly transport: RealtimeStartTransport,
  ) {
    this.threadId = deps.thread.id;
    this.version = realtimeVersion(deps.config);
    this.conversation = new RealtimeConversation(this.version, this.threadId, {
      publish: (n) => this.publish(n),
      send: (message) => this.send(JSON.stringify(message)),
      route: (text) => this.delegation.route(text),
      fail: (message) => this.fail(message),
      transcript: (role, text, itemId) => this.keepTranscript(role, text, itemId),
    });
    this.delegation = new RealtimeDelegation(this.threadId, deps.threads, deps.turns, {
      onAssistantMessage: (text) => this.conversation.agentMessage(text),
      onTurnCompleted: () => this.conversation.turnCompleted(),
      onTypedUserText: (text) => this.send(JSON.stringify(userTextItem(text)), 'text'),
      onActivity: () => this.touch(),
    });
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  get sessionId(): string {
    return this.request.sessionId;
  }

  get outputModality(): 'audio' | 'text' {
    return this.request.outputModality;
  }

  /**
   * One completed transcript segment becomes a `voice_transcript` event record (docs/realtime.md#transcripts):
   * stored with the thread, outside its turns, so thread/read and ThreadItems never see it. The notification
   * has already left; a failed write is logged and the call goes on.
   */
  private keepTranscript(role: 'user' | 'assistant', text: string, itemId: string | null): void {
    const thread = this.deps.thread;
    if (thread.closing) return;
    const payload = { callId: this.callId ?? this.request.sessionId, role, text, itemId, at: Date.now() };
    thread
      .record([{ kind: 'event', type: VOICE_TRANSCRIPT, turnId: thread.runningTurnId, payload }])
      .catch((err: unknown) => log.warn(`realtime thread ${this.threadId}: transcript line not stored`, err));
  }

  /** Runs the start sequence; start-time failures become `thread/realtime/error` with no `closed`. */
  async start(): Promise<void> {
    let spec: SessionSpec;
    try {
      spec = await buildSessionSpec(this.deps.config, this.deps.threads, this.deps.thread, this.request);
      if (this.ended) return;
      if (this.transport.type === 'webrtc') await this.startWebrtc(spec, this.transport.sdp);
      else await this.startWebsocket(spec);
    } catch (err) {
      if (this.ended) return;
      this.publish({ method: 'thread/realtime/error', params: { threadId: this.threadId, message: err instanceof Error ? err.message : String(err) } });
      this.discard();
    }
  }

  private provider() {
    return this.deps.threads.providerFor(this.deps.thread.settings.modelProvider);
  }

  private auth(required: boolean) {
    const auth = resolveAuth(this.provider(), this.deps.account.apiKey(), process.env);
    if (auth.token === null && (required || auth.required)) throw new Error('realtime conversation requires API key auth');
    return auth;
  }

  private wsBase(): string {
    return this.deps.config.raw.experimental_realtime_ws_base_url ?? this.provider().base_url;
  }

  private async startWebsocket(spec: SessionSpec): Promise<void> {
    const provider = this.provider();
    const { token } = this.auth(true);
    const url = realtimeWebsocketUrl(this.wsBase(), { version: spec.version, model: spec.model, queryParams: provider.query_params });
    const headers = realtimeHeaders({ provider, sessionId: this.request.sessionId, token, userAgent: this.deps.userAgent });
    const socket = await UpstreamSocket.connect(url, headers, this.abort.signal);
    if (this.ended) return socket.close();
    this.attach(socket, spec);
    this.announceStarted();
  }

  private async startWebrtc(spec: SessionSpec, offerSdp: string): Promise<void> {
    const provider = this.provider();
    const { token, envKey } = this.auth(false);
    const { answerSdp, callId } = await createRealtimeCall({
      provider,
      token,
      envKey,
      sessionId: this.request.sessionId,
      offerSdp,
      sessionJson: callCreateSessionJson(spec),
      userAgent: this.deps.userAgent,
      signal: this.abort.signal,
    });
    if (this.ended) return;
    this.callId = callId;
    this.announceStarted();
    this.publish({ method: 'thread/realtime/sdp', params: { threadId: this.threadId, sdp: answerSdp } });
    // The sideband joins in the background; client input meanwhile waits in the bounded pending queue.
    const url = realtimeWebsocketUrl(this.wsBase(), { version: spec.version, queryParams: provider.query_params, callId });
    const headers = realtimeHeaders({ provider, sessionId: this.request.sessionId, token, userAgent: this.deps.userAgent });
    joinSideband({ url, headers, provider, signal: this.abort.signal })
      .then((socket) => (this.ended ? socket.close() : this.attach(socket, spec)))
      .catch((err: unknown) => {
        if (!this.ended) this.fail(err instanceof Error ? err.message : String(err));
      });
  }

  private announceStarted(): void {
    this.state = 'running';
    const id = this.request.sessionId;
    this.publish({ method: 'thread/realtime/started', params: { threadId: this.threadId, realtimeSessionId: id, sessionId: id, version: this.version } });
    this.startLeash();
  }

  /** The socket is open: `session.update` goes first, then whatever the client sent meanwhile. */
  private attach(socket: UpstreamSocket, spec: SessionSpec): void {
    this.socket = socket;
    socket.listen({
      onText: (text) => this.onFrame(text),
      onBinary: () => this.fail('unexpected binary realtime websocket event'),
      onClose: () => this.end('transport_closed'),
      onError: (err) => this.fail(`failed to read websocket message: ${err.message}`),
    });
    this.send(JSON.stringify(sessionUpdate(spec)));
    const queued = this.pending;
    this.pending = [];
    this.pendingAudio = this.pendingText = 0;
    for (const frame of queued) this.send(frame);
  }

  private onFrame(text: string): void {
    this.lastActivity = Date.now();
    const parsed = parseRealtimeFrame(this.version, text);
    if (!parsed.ok) {
      log.warn(`realtime thread ${this.threadId}: ignoring malformed upstream frame (${parsed.reason}): ${text.slice(0, 200)}`);
      return;
    }
    if (parsed.event) this.conversation.handle(parsed.event);
  }

  /** Sends a frame upstream, or holds it (bounded) until the socket is open. Returns false if dropped. */
  private send(frame: string, kind: 'audio' | 'text' | 'control' = 'control'): boolean {
    if (this.ended) return false;
    const socket = this.socket;
    if (socket === null) {
      if (kind === 'audio' && this.pendingAudio >= MAX_PENDING_AUDIO) return false;
      if (kind === 'text' && this.pendingText >= MAX_PENDING_TEXT) return false;
      if (kind === 'audio') this.pendingAudio += 1;
      if (kind === 'text') this.pendingText += 1;
      this.pending.push(frame);
      return true;
    }
    // A closing socket drops the frame; its close event ends the session.
    return socket.send(frame, (err) => this.fail(`failed to send realtime message: ${err.message}`));
  }

  appendAudio(audio: RealtimeAudioChunk): void {
    this.lastActivity = Date.now();
    if (this.socket !== null && this.socket.bufferedAmount > MAX_BUFFERED_AUDIO_BYTES) {
      this.droppedAudioFrames += 1;
      return;
    }
    if (!this.send(audioAppend(audio.data), 'audio')) this.droppedAudioFrames += 1;
  }

  /**
   * Append-only: the user message goes upstream, never followed by `response.create`, unless `respond`
   * (the browser's text-only call, where no voice activity asks for an answer).
   */
  appendText(text: string, respond = false): boolean {
    this.lastActivity = Date.now();
    const queued = this.send(JSON.stringify(userTextItem(text)), 'text');
    if (queued && respond) this.conversation.respond();
    return queued;
  }

  /** Barge-in from a client that plays the call's audio itself; false when the version cannot truncate. */
  truncate(itemId: string, audioEndMs: number): boolean {
    this.lastActivity = Date.now();
    return this.conversation.truncate(itemId, audioEndMs);
  }

  private touch(): void {
    this.lastActivity = Date.now();
  }

  /** The leash: a hard cap on the call's length and on silence in both directions. */
  private startLeash(): void {
    const { maxDurationS, idleTimeoutS } = leashLimits(this.deps.config);
    const cap = setTimeout(
      () => this.expire('max_duration', `realtime session ended: it reached the maximum duration of ${maxDurationS} s ([realtime] max_duration_s)`),
      maxDurationS * 1000,
    );
    this.timers.push(cap);
    const idleMs = idleTimeoutS * 1000;
    const checkIdle = () => {
      const quietFor = Date.now() - this.lastActivity;
      if (quietFor >= idleMs) {
        this.expire('idle_timeout', `realtime session ended: no activity for ${idleTimeoutS} s ([realtime] idle_timeout_s)`);
        return;
      }
      this.timers.push(setTimeout(checkIdle, idleMs - quietFor));
    };
    this.timers.push(setTimeout(checkIdle, idleMs));
  }

  private expire(reason: RealtimeCloseReason, message: string): void {
    if (this.ended) return;
    this.publish({ method: 'thread/realtime/error', params: { threadId: this.threadId, message } });
    this.end(reason);
  }

  /** A session-ending failure: the error first, then `closed` with reason "error". */
  fail(message: string): void {
    if (this.ended) return;
    this.publish({ method: 'thread/realtime/error', params: { threadId: this.threadId, message } });
    this.end('error');
  }

  /** Ends the session and tells the client why. */
  end(reason: RealtimeCloseReason): void {
    if (this.ended) return;
    this.discard();
    this.publish({ method: 'thread/realtime/closed', params: { threadId: this.threadId, reason } });
  }

  /** Tears the session down without a `closed` (a second start replaces the first; start-time errors). */
  discard(): void {
    if (this.ended) return;
    this.state = 'ended';
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.abort.abort();
    this.socket?.close();
    this.pending = [];
    this.delegation.close();
    this.deps.onEnded(this);
  }

  private publish(n: ServerNotification): void {
    this.deps.thread.emit(n);
  }
}
