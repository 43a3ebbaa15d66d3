import type { EffectiveConfig } from '../../config/load';
import { listVoices } from '../../engine/realtime/voices';
import { invalidRequest, overloaded } from '../../protocol/errors';
import { afterReply } from '../../util/after-reply';
import type { ServerNotification } from '../../protocol/notifications';
import {
  voiceTranscriptPayload,
  type RealtimeAppendAudioParams,
  type RealtimeCloseReason,
  type RealtimeStartParams,
  type RealtimeVersion,
  type VoiceTranscriptLine,
} from '../../protocol/realtime';
import type { AccountService } from '../account-service';
import type { EventHub, Subscriber } from '../event-hub';
import { RealtimeSession, VOICE_TRANSCRIPT } from './session';
import { leashLimits, realtimeVersion } from './spec';
import type { ThreadService } from '../threads/api';
import type { TurnRunner } from '../turns/turn-runner';

export interface RealtimeServiceDeps {
  threads: ThreadService;
  turns: TurnRunner;
  account: AccountService;
  hub: EventHub;
  config: EffectiveConfig;
  userAgent: string;
}

type Empty = Record<string, never>;

/** How long a call started without a `subscriber` lives with nobody holding it (docs/realtime.md#the-browsers-call). */
export const LEASE_GRACE_MS = 10_000;

/**
 * `thread/realtime/*` (docs/realtime.md#methods): at most one session per thread. The four thread methods answer
 * `{}` as soon as the work is queued; what happens upstream arrives as notifications.
 */
export class RealtimeService {
  private readonly sessions = new Map<string, RealtimeSession>();
  /** Calls held by a browser: `<thread>\n<session>` → holders and the timer that ends an unheld call. */
  private readonly leases = new Map<string, { holders: number; timer: NodeJS.Timeout | null }>();
  private readonly leaseGraceMs: number;
  /** Hears `thread/closed` so a session never outlives its thread. */
  private readonly watcher: Subscriber = {
    id: 'realtime-thread-watcher',
    passive: true,
    notify: (n: ServerNotification) => {
      if (n.method === 'thread/closed') this.sessions.get(n.params.threadId)?.discard();
    },
  };

  constructor(private readonly deps: RealtimeServiceDeps) {
    deps.hub.addConnection(this.watcher);
    const grace = deps.config.raw.realtime?.hold_grace_s;
    this.leaseGraceMs = grace === undefined ? LEASE_GRACE_MS : Math.round(grace * 1000);
  }

  /** Loads the thread (not found → error) and checks the per-thread feature flag. */
  private checkThread(threadId: string): void {
    this.deps.threads.read(threadId, false);
    if (this.deps.config.raw.features?.realtime_conversation !== true) {
      throw invalidRequest(`thread ${threadId} does not support realtime conversation`);
    }
  }

  private running(threadId: string): RealtimeSession | null {
    const session = this.sessions.get(threadId);
    return session && !session.ended ? session : null;
  }

  /**
   * `subscriber` null: the caller is subscribed to the thread some other way (the browser's live channel)
   * and the call is held by the tRPC router's lease (server/trpc/routers/realtime.ts).
   */
  start(p: RealtimeStartParams, subscriber: Subscriber | null): Empty {
    this.checkThread(p.threadId);
    const thread = this.deps.threads.attach(p.threadId, subscriber);
    // A second start replaces the running session without a `closed` for it.
    this.sessions.get(thread.id)?.discard();
    const session = new RealtimeSession(
      {
        ...this.deps,
        thread,
        onEnded: (s) => {
          this.dropLease(s.threadId, s.sessionId);
          if (this.sessions.get(s.threadId) === s) this.sessions.delete(s.threadId);
        },
      },
      {
        sessionId: p.realtimeSessionId ?? p.sessionId ?? thread.id,
        prompt: p.prompt,
        outputModality: p.outputModality ?? 'audio',
        voice: p.voice ?? null,
      },
      p.transport ?? { type: 'websocket' },
    );
    this.sessions.set(thread.id, session);
    afterReply(() => void session.start());
    return {};
  }

  appendAudio(p: RealtimeAppendAudioParams): Empty {
    const session = this.running(p.threadId);
    if (session) session.appendAudio({ ...p.audio, samplesPerChannel: p.audio.samplesPerChannel ?? null, itemId: p.audio.itemId ?? null });
    else this.notRunning(p.threadId);
    return {};
  }

  appendText(p: { threadId: string; text: string }, opts: { respond?: boolean } = {}): Empty {
    const session = this.running(p.threadId);
    if (!session) this.notRunning(p.threadId);
    else if (!session.appendText(p.text, opts.respond === true)) throw overloaded();
    return {};
  }

  /** The running session's id on a thread, or null. */
  sessionIdOf(threadId: string): string | null {
    return this.running(threadId)?.sessionId ?? null;
  }

  /** Barge-in reported by the browser, which plays a WebRTC call's audio itself. */
  truncate(p: { threadId: string; itemId: string; audioEndMs: number }): { truncated: boolean } {
    const session = this.running(p.threadId);
    if (!session) {
      this.checkThread(p.threadId);
      return { truncated: false };
    }
    return { truncated: session.truncate(p.itemId, p.audioEndMs) };
  }

  /**
   * A call that must be held: unless someone holds it (hold()) within the grace period, and for as long
   * as nobody does afterwards, it is stopped. A browser tab that disappears (crash, kill, lost network)
   * therefore leaves no call running upstream.
   */
  lease(threadId: string, sessionId: string): void {
    const key = `${threadId}\n${sessionId}`;
    if (this.leases.has(key)) return;
    const lease = { holders: 0, timer: null as NodeJS.Timeout | null };
    this.leases.set(key, lease);
    this.armLease(key, lease, threadId, sessionId);
  }

  /** Holds a leased call until the returned release is called; false when no such call runs. */
  hold(threadId: string, sessionId: string): (() => void) | null {
    const key = `${threadId}\n${sessionId}`;
    const lease = this.leases.get(key);
    if (!lease || this.sessionIdOf(threadId) !== sessionId) return null;
    lease.holders += 1;
    if (lease.timer) clearTimeout(lease.timer);
    lease.timer = null;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      lease.holders -= 1;
      if (lease.holders === 0 && this.leases.get(key) === lease) this.armLease(key, lease, threadId, sessionId);
    };
  }

  private armLease(key: string, lease: { holders: number; timer: NodeJS.Timeout | null }, threadId: string, sessionId: string): void {
    if (lease.timer) clearTimeout(lease.timer);
    lease.timer = setTimeout(() => {
      this.leases.delete(key);
      if (lease.holders === 0) this.stopSession(threadId, sessionId);
    }, this.leaseGraceMs);
    lease.timer.unref();
  }

  private dropLease(threadId: string, sessionId: string): void {
    const key = `${threadId}\n${sessionId}`;
    const lease = this.leases.get(key);
    if (lease?.timer) clearTimeout(lease.timer);
    this.leases.delete(key);
  }

  /** Ends the session only if it is still the one `sessionId` names (a lease that lapsed). */
  stopSession(threadId: string, sessionId: string, reason: RealtimeCloseReason = 'requested'): boolean {
    const session = this.running(threadId);
    if (!session || session.sessionId !== sessionId) return false;
    session.end(reason);
    return true;
  }

  stop(p: { threadId: string }): Empty {
    const session = this.running(p.threadId);
    if (!session) this.checkThread(p.threadId);
    else afterReply(() => session.end('requested'));
    return {};
  }

  listVoices() {
    return listVoices();
  }

  /** What a client needs before a call: whether calls are on, the version (its voices) and the leash. */
  info(): { enabled: boolean; version: RealtimeVersion; maxDurationS: number; idleTimeoutS: number } {
    const { config } = this.deps;
    return { enabled: config.raw.features?.realtime_conversation === true, version: realtimeVersion(config), ...leashLimits(config) };
  }

  /**
   * The thread's stored transcript lines (docs/realtime.md#transcripts), each placed after the turn that
   * started last before it. A record whose payload does not parse is skipped, never shown half-read.
   */
  transcript(threadId: string): { lines: VoiceTranscriptLine[] } {
    const lines: VoiceTranscriptLine[] = [];
    let afterTurnId: string | null = null;
    for (const r of this.deps.threads.eventRecords(threadId, ['turn_started', VOICE_TRANSCRIPT])) {
      if (r.type === 'turn_started') {
        const id = (r.payload as { turn?: { id?: unknown } } | null)?.turn?.id;
        if (typeof id === 'string') afterTurnId = id;
        continue;
      }
      const parsed = voiceTranscriptPayload.safeParse(r.payload);
      if (parsed.success) lines.push({ ...parsed.data, seq: r.seq, afterTurnId });
    }
    return { lines };
  }

  /** Input for a thread with no session: `{}` as the reference answers, plus a realtime error event. */
  private notRunning(threadId: string): void {
    this.checkThread(threadId);
    const thread = this.deps.threads.getLoaded(threadId);
    if (thread) thread.emit({ method: 'thread/realtime/error', params: { threadId, message: 'conversation is not running' } });
  }

  /** Server shutdown: every upstream socket gets a normal close. */
  stopAll(): void {
    for (const s of [...this.sessions.values()]) s.discard();
    for (const lease of this.leases.values()) if (lease.timer) clearTimeout(lease.timer);
    this.leases.clear();
    this.deps.hub.removeConnection(this.watcher);
  }
}
