import path from 'node:path';
import type { Db } from '../../db/client';
import * as threadQueries from '../../db/queries/threads';
import * as rolloutQueries from '../../db/queries/rollout';
import type { RolloutRow, ThreadRow } from '../../db/schema';
import type { GroupCommitWriter } from '../../db/writer';
import type { EffectiveConfig } from '../config/load';
import type { SandboxMode, SandboxPolicy } from '../protocol/common';
import { invalidRequest, threadNotFound } from '../protocol/errors';
import type { ServerNotification } from '../protocol/notifications';
import {
  DEFAULT_LIST_LIMIT,
  INTERACTIVE_SOURCE_KINDS,
  MAX_LIST_LIMIT,
  MAX_THREAD_NAME_CHARS,
  type Thread,
  type ThreadForkParams,
  type ThreadListParams,
  type ThreadListResponse,
  type ThreadResumeParams,
  type ThreadSessionResponse,
  type ThreadStartParams,
  type ThreadStatus,
} from '../protocol/thread';
import type { ThreadItem, Turn, UserInput } from '../protocol/turn';
import type { TurnStartParams } from '../protocol/turn-params';
import type { ResolvedProvider } from '../config/load';
import { uuidv7 } from '../util/ids';
import { log } from '../util/log';
import type { EventHub, Subscriber } from './event-hub';
import { decodeCursor, encodeCursor } from './list-cursor';
import { rebuildTurns } from './rollout';
import { ThreadEventLog } from './thread-event-log';
import { providerFor, resolveSettings, sandboxPolicyFor, type ThreadSettings } from './thread-settings';
import { threadToWire } from './thread-wire';

export type { ThreadSettings } from './thread-settings';

type RolloutRecord = Omit<RolloutRow, 'threadId' | 'seq' | 'createdAt'>;

export class LoadedThread {
  readonly subscribers = new Set<Subscriber>();
  readonly log = new ThreadEventLog();
  status: ThreadStatus = { type: 'idle' };
  unloadTimer: NodeJS.Timeout | null = null;
  closing = false;
  runningTurnId: string | null = null;
  /** Ephemeral threads keep their rollout here; stored threads in SQLite. */
  readonly memoryRollout: RolloutRow[] = [];
  /** Items of the running turn as streamed so far (partial text), for snapshots. */
  readonly liveItems = new Map<string, ThreadItem>();
  /** Commands approved with acceptForSession. */
  readonly approvedCommands = new Set<string>();
  /** The model's view (response items, in order), loaded once and extended as records commit. */
  responseItems: unknown[] | null = null;

  constructor(
    public row: ThreadRow,
    readonly ephemeral: boolean,
    public settings: ThreadSettings,
    public lastSeq: number,
  ) {}

  get id(): string {
    return this.row.id;
  }
}

/** Subscribers that keep a thread loaded (internal observers do not). */
function hasActiveSubscribers(thread: LoadedThread): boolean {
  for (const s of thread.subscribers) if (!s.passive) return true;
  return false;
}

export interface ThreadServiceDeps {
  db: Db;
  writer: GroupCommitWriter;
  hub: EventHub;
  config: EffectiveConfig;
  dbFile: string;
  cliVersion: string;
  defaultCwd: string;
}

/** Thread lifecycle: loading, subscriptions, status, unloading, and the thread API (protocol.md). */
export class ThreadService {
  private readonly loaded = new Map<string, LoadedThread>();
  /** Called whenever a subscriber joins a loaded thread (pending approvals are offered to it). */
  onSubscribe: (thread: LoadedThread, subscriber: Subscriber) => void = () => {};

  constructor(private readonly deps: ThreadServiceDeps) {}

  // ---- settings -----------------------------------------------------------------------------

  private resolveSettings(base: ThreadSettings | null, p: Partial<ThreadStartParams>): ThreadSettings {
    return resolveSettings(this.deps.config, this.deps.defaultCwd, base, p);
  }

  sandboxPolicy(mode: SandboxMode): SandboxPolicy {
    return sandboxPolicyFor(this.deps.config, mode);
  }

  private sessionResponse(thread: LoadedThread, turns: Turn[]): ThreadSessionResponse {
    const s = thread.settings;
    return {
      thread: this.wire(thread.row, turns),
      model: s.model,
      modelProvider: s.modelProvider,
      cwd: s.cwd,
      approvalPolicy: s.approvalPolicy,
      sandbox: this.sandboxPolicy(s.sandbox),
      reasoningEffort: s.reasoningEffort,
    };
  }

  // ---- wire helpers -------------------------------------------------------------------------

  statusOf(id: string): ThreadStatus {
    return this.loaded.get(id)?.status ?? { type: 'notLoaded' };
  }

  wire(row: ThreadRow, turns?: Turn[]): Thread {
    const loaded = this.loaded.get(row.id);
    return threadToWire({ row, status: this.statusOf(row.id), ephemeral: loaded?.ephemeral ?? false, dbFile: this.deps.dbFile, turns });
  }

  private readRecords(id: string): RolloutRow[] {
    const loaded = this.loaded.get(id);
    if (loaded?.ephemeral) return loaded.memoryRollout;
    return rolloutQueries.readRollout({ db: this.deps.db, threadId: id });
  }

  recordsOf(id: string): RolloutRow[] {
    return this.readRecords(id);
  }

  /** Turns rebuilt from the rollout; the running turn's items carry what has streamed so far. */
  turnsOf(id: string): Turn[] {
    const loaded = this.loaded.get(id);
    const turns = rebuildTurns(this.readRecords(id), loaded?.runningTurnId ?? null);
    if (loaded && loaded.liveItems.size > 0) {
      const running = turns.find((t) => t.id === loaded.runningTurnId);
      if (running) running.items = running.items.map((item) => loaded.liveItems.get(item.id) ?? item);
    }
    return turns;
  }

  turnItems(threadId: string, turnId: string): ThreadItem[] {
    return this.turnsOf(threadId).find((t) => t.id === turnId)?.items ?? [];
  }

  providerFor(id: string): ResolvedProvider {
    return providerFor(this.deps.config, id);
  }

  resolvePath(thread: LoadedThread, p: string): string {
    return path.resolve(thread.settings.cwd, p);
  }

  private findRow(id: string): ThreadRow {
    const loaded = this.loaded.get(id);
    if (loaded) return loaded.row;
    const row = threadQueries.getThread({ db: this.deps.db, id });
    if (!row) throw threadNotFound(id);
    return row;
  }

  getLoaded(id: string): LoadedThread | undefined {
    return this.loaded.get(id);
  }

  // ---- persistence --------------------------------------------------------------------------

  /**
   * Appends rollout records; resolves after they are committed (write, then publish).
   * `before` runs first in the same transaction (e.g. the thread row the records refer to).
   */
  persist(thread: LoadedThread, records: RolloutRecord[], before?: () => void): Promise<void> {
    const now = Date.now();
    const rows: RolloutRow[] = records.map((r) => ({ ...r, threadId: thread.id, seq: ++thread.lastSeq, createdAt: now }));
    const remember = () => {
      if (!thread.responseItems) return;
      for (const r of rows) if (r.kind === 'response_item') thread.responseItems.push(r.payload);
    };
    if (thread.ephemeral) {
      thread.memoryRollout.push(...rows);
      remember();
      return Promise.resolve();
    }
    return this.deps.writer
      .submit(() => {
        before?.();
        rolloutQueries.appendRollout({ db: this.deps.db, records: rows });
      })
      .then(remember);
  }

  /** What the next model request replays; read from the rollout once per load, not per request. */
  responseItemsOf(thread: LoadedThread): unknown[] {
    thread.responseItems ??= this.readRecords(thread.id)
      .filter((r) => r.kind === 'response_item')
      .map((r) => r.payload);
    return thread.responseItems;
  }

  /** Sends a thread-scoped notification to the thread's subscribers through its event ring. */
  publish(thread: LoadedThread, notification: ServerNotification): void {
    const seq = thread.log.append(notification);
    const meta = { threadId: thread.id, epoch: thread.log.epoch, seq };
    for (const s of thread.subscribers) s.notify(notification, meta);
  }

  setStatus(thread: LoadedThread, status: ThreadStatus): void {
    thread.status = status;
    this.publish(thread, { method: 'thread/status/changed', params: { threadId: thread.id, status } });
  }

  // ---- loading and subscriptions ------------------------------------------------------------

  private load(id: string): LoadedThread {
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
    const settings = this.resolveSettings(null, {});
    const merged: ThreadSettings = { ...settings, model: row.model, modelProvider: row.modelProvider, cwd: row.cwd, ...(meta ?? {}) };
    const thread = new LoadedThread(row, false, merged, records.at(-1)?.seq ?? 0);
    this.loaded.set(id, thread);
    return thread;
  }

  subscribe(thread: LoadedThread, subscriber: Subscriber): void {
    const added = !thread.subscribers.has(subscriber);
    thread.subscribers.add(subscriber);
    if (added) this.onSubscribe(thread, subscriber);
    if (thread.unloadTimer) {
      clearTimeout(thread.unloadTimer);
      thread.unloadTimer = null;
    }
  }

  /** Loads (if needed) and subscribes; used by the browser's live event channel. */
  attach(threadId: string, subscriber: Subscriber): LoadedThread {
    const thread = this.load(threadId);
    this.subscribe(thread, subscriber);
    return thread;
  }

  /** turn/start: the thread must exist; loading it subscribes the caller like thread/resume would. */
  attachForTurn(threadId: string, subscriber: Subscriber | null): LoadedThread {
    const thread = this.load(threadId);
    if (subscriber) this.subscribe(thread, subscriber);
    else if (thread.unloadTimer) {
      clearTimeout(thread.unloadTimer);
      thread.unloadTimer = null;
    }
    return thread;
  }

  /** turn/start overrides apply to this turn and the ones after it (they persist as settings). */
  async applyTurnOverrides(thread: LoadedThread, p: TurnStartParams): Promise<void> {
    const next = this.resolveSettings(thread.settings, { cwd: p.cwd, model: p.model, approvalPolicy: p.approvalPolicy });
    if (p.effort !== undefined && p.effort !== null) next.reasoningEffort = p.effort;
    if (JSON.stringify(next) === JSON.stringify(thread.settings)) return;
    await this.persist(thread, [{ kind: 'event', type: 'session_meta', turnId: null, payload: next }]);
    // Only what is committed takes effect: a failed write leaves memory and disk in agreement.
    thread.settings = next;
  }

  /** Bumps updated_at; the first user message becomes the preview, and with it the searchable title. */
  async recordActivity(thread: LoadedThread, input: UserInput[] | null): Promise<void> {
    const now = Date.now();
    const text = input?.map((i) => (i.type === 'text' ? i.text : '')).join('\n').trim();
    const preview = thread.row.preview === '' && text ? text.slice(0, 2000) : undefined;
    thread.row = { ...thread.row, updatedAt: now, ...(preview !== undefined ? { preview, title: thread.row.name ?? preview } : {}) };
    if (thread.ephemeral) return;
    await this.deps.writer.submit(() => threadQueries.touchThread({ db: this.deps.db, id: thread.id, updatedAt: now, preview }));
  }

  detach(threadId: string, subscriber: Subscriber): void {
    const thread = this.loaded.get(threadId);
    if (!thread || !thread.subscribers.delete(subscriber)) return;
    this.maybeScheduleUnload(thread);
  }

  /** A closed connection drops its subscriptions; running turns go on. */
  dropSubscriber(subscriber: Subscriber): void {
    for (const thread of this.loaded.values()) {
      if (thread.subscribers.delete(subscriber)) this.maybeScheduleUnload(thread);
    }
  }

  maybeScheduleUnload(thread: LoadedThread): void {
    if (hasActiveSubscribers(thread) || thread.runningTurnId || thread.unloadTimer || thread.closing) return;
    thread.unloadTimer = setTimeout(() => this.unload(thread), this.deps.config.unloadGraceMs);
    thread.unloadTimer.unref();
  }

  private unload(thread: LoadedThread): void {
    thread.unloadTimer = null;
    if (hasActiveSubscribers(thread) || thread.runningTurnId) return;
    thread.closing = true;
    // No subscriber is left to receive thread-scoped events, so both go to every connection:
    // a sidebar elsewhere can show the thread as no longer loaded.
    thread.status = { type: 'notLoaded' };
    this.deps.hub.broadcast({ method: 'thread/status/changed', params: { threadId: thread.id, status: thread.status } });
    this.loaded.delete(thread.id);
    this.deps.hub.broadcast({ method: 'thread/closed', params: { threadId: thread.id } });
  }

  // ---- the thread API -----------------------------------------------------------------------

  async start(params: ThreadStartParams, subscriber: Subscriber | null): Promise<ThreadSessionResponse> {
    const settings = this.resolveSettings(null, params);
    const now = Date.now();
    const row: ThreadRow = {
      id: uuidv7(now),
      name: null,
      preview: '',
      title: '',
      cwd: settings.cwd,
      model: settings.model,
      modelProvider: settings.modelProvider,
      source: 'appServer',
      cliVersion: this.deps.cliVersion,
      gitInfo: null,
      forkedFromId: null,
      createdAt: now,
      updatedAt: now,
      archived: false,
      archivedAt: null,
    };
    const ephemeral = params.ephemeral ?? false;
    const thread = new LoadedThread(row, ephemeral, settings, 0);
    const meta: RolloutRecord = { kind: 'event', type: 'session_meta', turnId: null, payload: settings };
    await this.persist(thread, [meta], () => {
      if (!ephemeral) {
        const { title: _title, ...insertable } = row;
        threadQueries.insertThread({ db: this.deps.db, row: insertable });
      }
    });
    this.loaded.set(row.id, thread);
    if (subscriber) this.subscribe(thread, subscriber);
    else this.maybeScheduleUnload(thread);
    const response = this.sessionResponse(thread, []);
    // The reference answers first, then announces; we queue the announcement behind the response.
    setImmediate(() => this.deps.hub.broadcast({ method: 'thread/started', params: { thread: this.wire(thread.row) } }));
    return response;
  }

  async resume(params: ThreadResumeParams, subscriber: Subscriber | null): Promise<ThreadSessionResponse> {
    const thread = this.load(params.threadId);
    const { threadId: _id, ...overrides } = params;
    const hasOverrides = Object.values(overrides).some((v) => v !== undefined && v !== null);
    if (hasOverrides) {
      const next = this.resolveSettings(thread.settings, overrides);
      await this.persist(thread, [{ kind: 'event', type: 'session_meta', turnId: null, payload: next }]);
      thread.settings = next;
    }
    if (subscriber) this.subscribe(thread, subscriber);
    else this.maybeScheduleUnload(thread);
    return this.sessionResponse(thread, this.turnsOf(thread.id));
  }

  async fork(params: ThreadForkParams, subscriber: Subscriber | null): Promise<ThreadSessionResponse> {
    const source = this.findRow(params.threadId);
    const sourceRecords = this.readRecords(source.id);
    const sourceSettings = this.loaded.get(source.id)?.settings ?? null;
    const { threadId: _id, ephemeral: _e, ...overrides } = params;
    const settings = this.resolveSettings(sourceSettings ?? { ...this.resolveSettings(null, {}), model: source.model, modelProvider: source.modelProvider, cwd: source.cwd }, overrides);
    const now = Date.now();
    const row: ThreadRow = {
      ...source,
      id: uuidv7(now),
      name: null,
      title: source.preview,
      model: settings.model,
      modelProvider: settings.modelProvider,
      cwd: settings.cwd,
      source: 'appServer',
      forkedFromId: source.id,
      createdAt: now,
      updatedAt: now,
      archived: false,
      archivedAt: null,
    };
    const ephemeral = params.ephemeral ?? false;
    const thread = new LoadedThread(row, ephemeral, settings, 0);
    const copied: RolloutRecord[] = sourceRecords
      .filter((r) => !(r.kind === 'event' && r.type === 'session_meta'))
      .map((r) => ({ kind: r.kind, type: r.type, turnId: r.turnId, payload: r.payload }));
    await this.persist(thread, [{ kind: 'event', type: 'session_meta', turnId: null, payload: settings }, ...copied], () => {
      if (!ephemeral) {
        const { title: _title, ...insertable } = row;
        threadQueries.insertThread({ db: this.deps.db, row: insertable });
      }
    });
    this.loaded.set(row.id, thread);
    if (subscriber) this.subscribe(thread, subscriber);
    else this.maybeScheduleUnload(thread);
    const response = this.sessionResponse(thread, this.turnsOf(thread.id));
    setImmediate(() => this.deps.hub.broadcast({ method: 'thread/started', params: { thread: this.wire(thread.row) } }));
    return response;
  }

  read(threadId: string, includeTurns: boolean): { thread: Thread } {
    const row = this.findRow(threadId);
    return { thread: this.wire(row, includeTurns ? this.turnsOf(threadId) : []) };
  }

  list(params: ThreadListParams): ThreadListResponse {
    const sortKey = params.sortKey ?? 'created_at';
    const limit = Math.min(params.limit ?? DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    const cursor = params.cursor ? decodeCursor(params.cursor, sortKey) : null;
    const rows = threadQueries.listThreads({
      db: this.deps.db,
      params: {
        archived: params.archived ?? false,
        sortKey,
        limit,
        cursor,
        cwd: params.cwd ? path.resolve(this.deps.defaultCwd, params.cwd) : null,
        modelProviders: params.modelProviders,
        sourceKinds: params.sourceKinds && params.sourceKinds.length > 0 ? params.sourceKinds : [...INTERACTIVE_SOURCE_KINDS],
        searchTerm: params.searchTerm || null,
      },
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const nextCursor =
      rows.length > limit && last ? encodeCursor(sortKey, sortKey === 'created_at' ? last.createdAt : last.updatedAt, last.id) : null;
    return { data: page.map((r) => this.wire(this.loaded.get(r.id)?.row ?? r)), nextCursor };
  }

  loadedList(params: { cursor?: string | null; limit?: number | null }): { data: string[]; nextCursor: string | null } {
    const ids = [...this.loaded.values()].filter((t) => !t.closing).map((t) => t.id).sort();
    const start = params.cursor ? ids.findIndex((id) => id > params.cursor!) : 0;
    const from = start < 0 ? ids.length : start;
    const limit = Math.min(params.limit ?? MAX_LIST_LIMIT, MAX_LIST_LIMIT);
    const data = ids.slice(from, from + limit);
    return { data, nextCursor: from + limit < ids.length ? (data.at(-1) ?? null) : null };
  }

  private storedRow(threadId: string): ThreadRow {
    const row = this.findRow(threadId);
    if (this.loaded.get(threadId)?.ephemeral) throw invalidRequest(`thread ${threadId} is ephemeral and cannot be archived`);
    return row;
  }

  async archive(threadId: string): Promise<Record<string, never>> {
    this.storedRow(threadId);
    const now = Date.now();
    await this.deps.writer.submit(() => threadQueries.setThreadArchived({ db: this.deps.db, id: threadId, archived: true, at: now }));
    this.refreshRow(threadId);
    this.deps.hub.broadcast({ method: 'thread/archived', params: { threadId } });
    return {};
  }

  async unarchive(threadId: string): Promise<{ thread: Thread }> {
    this.storedRow(threadId);
    await this.deps.writer.submit(() => threadQueries.setThreadArchived({ db: this.deps.db, id: threadId, archived: false, at: Date.now() }));
    const row = this.refreshRow(threadId);
    this.deps.hub.broadcast({ method: 'thread/unarchived', params: { threadId } });
    return { thread: this.wire(row) };
  }

  unsubscribe(threadId: string, subscriber: Subscriber): { status: 'unsubscribed' | 'notSubscribed' | 'notLoaded' } {
    const thread = this.loaded.get(threadId);
    if (!thread || thread.closing) return { status: 'notLoaded' };
    if (!thread.subscribers.delete(subscriber)) return { status: 'notSubscribed' };
    this.maybeScheduleUnload(thread);
    return { status: 'unsubscribed' };
  }

  async setName(threadId: string, rawName: string): Promise<Record<string, never>> {
    const name = rawName.trim();
    if (name.length === 0) throw invalidRequest('thread name must not be empty');
    if (name.length > MAX_THREAD_NAME_CHARS) throw invalidRequest(`thread name must be at most ${MAX_THREAD_NAME_CHARS} characters`);
    const row = this.findRow(threadId);
    const now = Date.now();
    const loaded = this.loaded.get(threadId);
    if (loaded?.ephemeral) loaded.row = { ...row, name, title: name, updatedAt: now };
    else {
      await this.deps.writer.submit(() => threadQueries.setThreadName({ db: this.deps.db, id: threadId, name, updatedAt: now }));
      this.refreshRow(threadId);
    }
    this.deps.hub.broadcast({ method: 'thread/name/updated', params: { threadId, threadName: name } });
    return {};
  }

  private refreshRow(threadId: string): ThreadRow {
    const row = threadQueries.getThread({ db: this.deps.db, id: threadId });
    if (!row) throw threadNotFound(threadId);
    const loaded = this.loaded.get(threadId);
    if (loaded) loaded.row = row;
    return row;
  }

  close(): void {
    for (const t of this.loaded.values()) if (t.unloadTimer) clearTimeout(t.unloadTimer);
    log.info(`closing with ${this.loaded.size} loaded threads`);
  }
}
