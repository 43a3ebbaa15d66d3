// The loaded threads: loading a stored thread into a handle, subscriptions, and unloading after the grace
// period once nothing keeps a thread loaded (docs/protocol.md#thread-lifecycle).
import type { Db } from '../../../db/client';
import * as rolloutQueries from '../../../db/queries/rollout';
import * as threadQueries from '../../../db/queries/threads';
import type { ThreadRow } from '../../../db/schema';
import type { GroupCommitWriter } from '../../../db/writer';
import { invalidRequest, threadNotFound } from '../../protocol/errors';
import type { ThreadStatus } from '../../protocol/thread';
import { log } from '../../util/log';
import type { EventHub, Subscriber } from '../event-hub';
import { ThreadHandle } from './handle';
import type { ThreadSettings } from './settings';

export interface ThreadRegistryDeps {
  db: Db;
  writer: GroupCommitWriter;
  hub: EventHub;
  unloadGraceMs: number;
  /** The settings a thread gets before its own session_meta is applied. */
  baseSettings: () => ThreadSettings;
}

export class ThreadRegistry {
  private readonly loaded = new Map<string, ThreadHandle>();
  /** Called whenever a subscriber joins a loaded thread (pending approvals are offered to it). */
  onSubscribe: (thread: ThreadHandle, subscriber: Subscriber) => void = () => {};

  constructor(private readonly deps: ThreadRegistryDeps) {}

  get(id: string): ThreadHandle | undefined {
    return this.loaded.get(id);
  }

  statusOf(id: string): ThreadStatus {
    return this.loaded.get(id)?.status ?? { type: 'notLoaded' };
  }

  /** Ids of the loaded threads that are not closing, sorted. */
  ids(): string[] {
    return [...this.loaded.values()].filter((t) => !t.closing).map((t) => t.id).sort();
  }

  /** A handle for a thread that has just been written (thread/start, thread/fork). */
  create(row: ThreadRow, ephemeral: boolean, settings: ThreadSettings): ThreadHandle {
    return new ThreadHandle({ db: this.deps.db, writer: this.deps.writer }, row, ephemeral, settings, 0);
  }

  /** Makes a created handle visible once its first records are committed. */
  add(thread: ThreadHandle): void {
    this.loaded.set(thread.id, thread);
  }

  /** The loaded handle, or the stored thread loaded into a new one. */
  load(id: string): ThreadHandle {
    const existing = this.loaded.get(id);
    if (existing) {
      if (existing.closing) throw invalidRequest(`thread ${id} is closing; retry thread/resume after the thread is closed`);
      return existing;
    }
    const row = threadQueries.getThread({ db: this.deps.db, id });
    if (!row) throw threadNotFound(id);
    const records = rolloutQueries.readRollout({ db: this.deps.db, threadId: id });
    let meta: Partial<ThreadSettings> | null = null;
    for (const r of records) if (r.kind === 'event' && r.type === 'session_meta') meta = r.payload as Partial<ThreadSettings>;
    const settings: ThreadSettings = { ...this.deps.baseSettings(), model: row.model, modelProvider: row.modelProvider, cwd: row.cwd, ...(meta ?? {}) };
    const thread = new ThreadHandle({ db: this.deps.db, writer: this.deps.writer }, row, false, settings, records.at(-1)?.seq ?? 0);
    this.loaded.set(id, thread);
    return thread;
  }

  subscribe(thread: ThreadHandle, subscriber: Subscriber): void {
    if (thread.addSubscriber(subscriber)) this.onSubscribe(thread, subscriber);
    thread.cancelUnload();
  }

  /** Subscribes when there is a subscriber, else lets the thread unload after the grace period. */
  subscribeOrRelease(thread: ThreadHandle, subscriber: Subscriber | null): void {
    if (subscriber) this.subscribe(thread, subscriber);
    else this.release(thread);
  }

  detach(threadId: string, subscriber: Subscriber): boolean {
    const thread = this.loaded.get(threadId);
    if (!thread || !thread.removeSubscriber(subscriber)) return false;
    this.release(thread);
    return true;
  }

  /** A closed connection drops its subscriptions; running turns go on. */
  dropSubscriber(subscriber: Subscriber): void {
    for (const thread of this.loaded.values()) if (thread.removeSubscriber(subscriber)) this.release(thread);
  }

  /** Nothing may keep the thread loaded any more: unload it after the grace period unless that changes. */
  release(thread: ThreadHandle): void {
    thread.scheduleUnload(this.deps.unloadGraceMs, () => this.unload(thread));
  }

  private unload(thread: ThreadHandle): void {
    thread.markClosing();
    // No subscriber is left to receive thread-scoped events, so both go to every connection:
    // a sidebar elsewhere can show the thread as no longer loaded.
    this.deps.hub.broadcast({ method: 'thread/status/changed', params: { threadId: thread.id, status: thread.status } });
    this.loaded.delete(thread.id);
    this.deps.hub.broadcast({ method: 'thread/closed', params: { threadId: thread.id } });
  }

  close(): void {
    for (const t of this.loaded.values()) t.cancelUnload();
    log.info(`closing with ${this.loaded.size} loaded threads`);
  }
}
