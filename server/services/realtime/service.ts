import type { EffectiveConfig } from '../../config/load';
import { listVoices } from '../../engine/realtime/voices';
import { invalidRequest, overloaded } from '../../protocol/errors';
import { afterReply } from '../../util/after-reply';
import type { ServerNotification } from '../../protocol/notifications';
import type { RealtimeAppendAudioParams, RealtimeStartParams } from '../../protocol/realtime';
import type { AccountService } from '../account-service';
import type { EventHub, Subscriber } from '../event-hub';
import { RealtimeSession } from './session';
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

/**
 * `thread/realtime/*` (docs/realtime.md#methods): at most one session per thread. The four thread methods answer
 * `{}` as soon as the work is queued; what happens upstream arrives as notifications.
 */
export class RealtimeService {
  private readonly sessions = new Map<string, RealtimeSession>();
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

  start(p: RealtimeStartParams, subscriber: Subscriber): Empty {
    this.checkThread(p.threadId);
    const thread = this.deps.threads.attach(p.threadId, subscriber);
    // A second start replaces the running session without a `closed` for it.
    this.sessions.get(thread.id)?.discard();
    const session = new RealtimeSession(
      { ...this.deps, thread, onEnded: (s) => this.sessions.get(s.threadId) === s && this.sessions.delete(s.threadId) },
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

  appendText(p: { threadId: string; text: string }): Empty {
    const session = this.running(p.threadId);
    if (!session) this.notRunning(p.threadId);
    else if (!session.appendText(p.text)) throw overloaded();
    return {};
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

  /** Input for a thread with no session: `{}` as the reference answers, plus a realtime error event. */
  private notRunning(threadId: string): void {
    this.checkThread(threadId);
    const thread = this.deps.threads.getLoaded(threadId);
    if (thread) thread.emit({ method: 'thread/realtime/error', params: { threadId, message: 'conversation is not running' } });
  }

  /** Server shutdown: every upstream socket gets a normal close. */
  stopAll(): void {
    for (const s of [...this.sessions.values()]) s.discard();
    this.deps.hub.removeConnection(this.watcher);
  }
}
