// The thread API both transports adapt (docs/protocol.md#threads): start, resume, fork, read, list, archive,
// names, settings. Loaded threads live in the registry; each one's journal is its ThreadHandle.
import path from 'node:path';
import type { Db } from '../../../db/client';
import * as rolloutQueries from '../../../db/queries/rollout';
import * as threadQueries from '../../../db/queries/threads';
import type { RolloutRow, ThreadRow } from '../../../db/schema';
import type { GroupCommitWriter } from '../../../db/writer';
import type { EffectiveConfig, ResolvedProvider } from '../../config/load';
import type { SandboxMode, SandboxPolicy } from '../../protocol/common';
import { invalidRequest, threadNotFound } from '../../protocol/errors';
import {
  DEFAULT_LIST_LIMIT,
  INTERACTIVE_SOURCE_KINDS,
  storedSources,
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
} from '../../protocol/thread';
import type { ThreadItem, Turn, UserInput } from '../../protocol/turn';
import type { TurnStartParams } from '../../protocol/turn-params';
import { afterReply } from '../../util/after-reply';
import { uuidv7 } from '../../util/ids';
import type { EventHub, Subscriber } from '../event-hub';
import type { RolloutRecord, ThreadHandle } from './handle';
import { decodeCursor, encodeCursor } from './list-cursor';
import { rebuildTurns } from './projection';
import { MAX_SEARCH_TERM_CHARS } from './search';
import { ThreadRegistry } from './registry';
import { providerFor, resolveSettings, sandboxPolicyFor, type ThreadSettings } from './settings';
import { threadToWire } from './wire';

export interface ThreadServiceDeps {
  db: Db;
  writer: GroupCommitWriter;
  hub: EventHub;
  config: EffectiveConfig;
  dbFile: string;
  cliVersion: string;
  defaultCwd: string;
}

/** A thread's settings as the browser's settings panel shows them. */
export interface ThreadSettingsView {
  model: string;
  modelProvider: string;
  cwd: string;
  approvalPolicy: ThreadSettings['approvalPolicy'];
  sandbox: SandboxMode;
}

export type ThreadSettingsOverrides = Partial<Pick<ThreadStartParams, 'model' | 'approvalPolicy' | 'sandbox'>>;

export class ThreadService {
  readonly registry: ThreadRegistry;
  /** Whether the Codex CLI is writing this thread now (live sync): then it takes no turns here. */
  isExternallyWritten: (threadId: string) => boolean = () => false;

  constructor(private readonly deps: ThreadServiceDeps) {
    this.registry = new ThreadRegistry({
      db: deps.db,
      writer: deps.writer,
      hub: deps.hub,
      unloadGraceMs: deps.config.unloadGraceMs,
      baseSettings: () => this.resolveSettings(null, {}),
    });
  }

  // ---- settings -----------------------------------------------------------------------------

  private resolveSettings(base: ThreadSettings | null, p: Partial<ThreadStartParams>): ThreadSettings {
    return resolveSettings(this.deps.config, this.deps.defaultCwd, base, p);
  }

  sandboxPolicy(mode: SandboxMode): SandboxPolicy {
    return sandboxPolicyFor(this.deps.config, mode);
  }

  providerFor(id: string): ResolvedProvider {
    return providerFor(this.deps.config, id);
  }

  resolvePath(thread: ThreadHandle, p: string): string {
    return path.resolve(thread.settings.cwd, p);
  }

  /** The thread's settings (loading it like thread/resume without a subscriber). */
  settingsView(threadId: string): ThreadSettingsView {
    const thread = this.registry.load(threadId);
    this.registry.release(thread);
    const s = thread.settings;
    return { model: s.model, modelProvider: s.modelProvider, cwd: s.cwd, approvalPolicy: s.approvalPolicy, sandbox: s.sandbox };
  }

  /** Overrides persist as the thread's settings (session_meta) and apply from its next turn on. */
  async updateSettings(threadId: string, overrides: ThreadSettingsOverrides): Promise<ThreadSettingsView> {
    const thread = this.registry.load(threadId);
    this.registry.release(thread);
    if (Object.values(overrides).some((v) => v !== undefined && v !== null)) await thread.recordSettings(this.resolveSettings(thread.settings, overrides));
    return this.settingsView(threadId);
  }

  /** turn/start overrides apply to this turn and the ones after it (they persist as settings). */
  async applyTurnOverrides(thread: ThreadHandle, p: TurnStartParams): Promise<void> {
    const next = this.resolveSettings(thread.settings, { cwd: p.cwd, model: p.model, approvalPolicy: p.approvalPolicy });
    if (p.effort !== undefined && p.effort !== null) next.reasoningEffort = p.effort;
    if (JSON.stringify(next) === JSON.stringify(thread.settings)) return;
    await thread.recordSettings(next);
  }

  /** Bumps updated_at; the first user message becomes the preview, and with it the searchable title. */
  async recordActivity(thread: ThreadHandle, input: UserInput[] | null): Promise<void> {
    const now = Date.now();
    const text = input?.map((i) => (i.type === 'text' ? i.text : '')).join('\n').trim();
    const preview = thread.row.preview === '' && text ? text.slice(0, 2000) : undefined;
    thread.replaceRow({ ...thread.row, updatedAt: now, ...(preview !== undefined ? { preview, title: thread.row.name ?? preview } : {}) });
    if (thread.ephemeral) return;
    await this.deps.writer.submit(() => threadQueries.touchThread({ db: this.deps.db, id: thread.id, updatedAt: now, preview }));
  }

  // ---- reading ------------------------------------------------------------------------------

  statusOf(id: string): ThreadStatus {
    return this.registry.statusOf(id);
  }

  wire(row: ThreadRow, turns?: Turn[]): Thread {
    const loaded = this.registry.get(row.id);
    return threadToWire({ row, status: this.statusOf(row.id), ephemeral: loaded?.ephemeral ?? false, dbFile: this.deps.dbFile, turns });
  }

  private sessionResponse(thread: ThreadHandle, turns: Turn[]): ThreadSessionResponse {
    const s = thread.settings;
    return {
      thread: this.wire(thread.row, turns),
      model: s.model,
      modelProvider: s.modelProvider,
      cwd: s.cwd,
      approvalPolicy: s.approvalPolicy,
      // Approval requests always go to the client (the reference's default reviewer); we have no reviewer agent.
      approvalsReviewer: 'user',
      sandbox: this.sandboxPolicy(s.sandbox),
      reasoningEffort: s.reasoningEffort,
    };
  }

  private findRow(id: string): ThreadRow {
    const loaded = this.registry.get(id);
    if (loaded) return loaded.row;
    const row = threadQueries.getThread({ db: this.deps.db, id });
    if (!row) throw threadNotFound(id);
    return row;
  }

  /** Turns of a loaded or stored thread, rebuilt from its rollout (live items included when loaded). */
  turnsOf(id: string): Turn[] {
    const loaded = this.registry.get(id);
    if (loaded) return loaded.turns();
    return rebuildTurns(this.storedRecords(id), null);
  }

  /** A thread's rollout without loading it (reading must not change its status). */
  private storedRecords(id: string): RolloutRow[] {
    const loaded = this.registry.get(id);
    return loaded ? loaded.records() : rolloutQueries.readRollout({ db: this.deps.db, threadId: id });
  }

  /** Event records of the given types, in rollout order, without loading the thread (unknown thread: not found). */
  eventRecords(id: string, types: readonly string[]): RolloutRow[] {
    const loaded = this.registry.get(id);
    if (loaded) return loaded.records().filter((r) => r.kind === 'event' && types.includes(r.type));
    this.findRow(id);
    return rolloutQueries.readEventsOfTypes({ db: this.deps.db, threadId: id, types });
  }

  /**
   * Appends one event record to a stored thread, loading it for the write if it is not loaded (then letting it
   * unload again): e.g. a read mark.
   */
  async recordEvent(threadId: string, type: string, payload: unknown): Promise<void> {
    const wasLoaded = this.registry.get(threadId) !== undefined;
    const thread = this.registry.load(threadId);
    try {
      await thread.record([{ kind: 'event', type, turnId: null, payload }]);
    } finally {
      if (!wasLoaded) this.registry.release(thread);
    }
  }

  turnItems(threadId: string, turnId: string): ThreadItem[] {
    return this.turnsOf(threadId).find((t) => t.id === turnId)?.items ?? [];
  }

  // ---- loading and subscriptions ------------------------------------------------------------

  getLoaded(id: string): ThreadHandle | undefined {
    return this.registry.get(id);
  }

  /**
   * Loads (if needed) and subscribes; used by the browser's live event channel. Without a subscriber the
   * thread is only loaded, and unloads after the grace period unless someone subscribes.
   */
  attach(threadId: string, subscriber: Subscriber | null): ThreadHandle {
    const thread = this.registry.load(threadId);
    this.registry.subscribeOrRelease(thread, subscriber);
    return thread;
  }

  /** turn/start: the thread must exist; loading it subscribes the caller like thread/resume would. */
  attachForTurn(threadId: string, subscriber: Subscriber | null): ThreadHandle {
    if (this.isExternallyWritten(threadId)) {
      throw invalidRequest(`thread ${threadId} is being written by the Codex CLI; it is read-only here until it has been quiet for 10 s`);
    }
    const thread = this.registry.load(threadId);
    if (subscriber) this.registry.subscribe(thread, subscriber);
    else thread.cancelUnload();
    return thread;
  }

  detach(threadId: string, subscriber: Subscriber): void {
    this.registry.detach(threadId, subscriber);
  }

  dropSubscriber(subscriber: Subscriber): void {
    this.registry.dropSubscriber(subscriber);
  }

  // ---- the thread API -----------------------------------------------------------------------

  private async create(row: ThreadRow, ephemeral: boolean, settings: ThreadSettings, copied: RolloutRecord[], subscriber: Subscriber | null) {
    const thread = this.registry.create(row, ephemeral, settings);
    await thread.record([{ kind: 'event', type: 'session_meta', turnId: null, payload: settings }, ...copied], {
      before: () => {
        if (ephemeral) return;
        const { title: _title, ...insertable } = row;
        threadQueries.insertThread({ db: this.deps.db, row: insertable });
      },
    });
    this.registry.add(thread);
    this.registry.subscribeOrRelease(thread, subscriber);
    const response = this.sessionResponse(thread, copied.length > 0 ? thread.turns() : []);
    afterReply(() => this.deps.hub.broadcast({ method: 'thread/started', params: { thread: this.wire(thread.row) } }));
    return response;
  }

  start(params: ThreadStartParams, subscriber: Subscriber | null): Promise<ThreadSessionResponse> {
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
    return this.create(row, params.ephemeral ?? false, settings, [], subscriber);
  }

  async resume(params: ThreadResumeParams, subscriber: Subscriber | null): Promise<ThreadSessionResponse> {
    const thread = this.registry.load(params.threadId);
    const { threadId: _id, ...overrides } = params;
    if (Object.values(overrides).some((v) => v !== undefined && v !== null)) await thread.recordSettings(this.resolveSettings(thread.settings, overrides));
    this.registry.subscribeOrRelease(thread, subscriber);
    return this.sessionResponse(thread, thread.turns());
  }

  fork(params: ThreadForkParams, subscriber: Subscriber | null): Promise<ThreadSessionResponse> {
    const source = this.findRow(params.threadId);
    const loadedSource = this.registry.get(source.id);
    const sourceRecords = this.storedRecords(source.id);
    const { threadId: _id, ephemeral: _e, ...overrides } = params;
    const base = loadedSource?.settings ?? { ...this.resolveSettings(null, {}), model: source.model, modelProvider: source.modelProvider, cwd: source.cwd };
    const settings = this.resolveSettings(base, overrides);
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
    const copied: RolloutRecord[] = sourceRecords
      .filter((r) => !(r.kind === 'event' && r.type === 'session_meta'))
      .map((r) => ({ kind: r.kind, type: r.type, turnId: r.turnId, payload: r.payload }));
    return this.create(row, params.ephemeral ?? false, settings, copied, subscriber);
  }

  read(threadId: string, includeTurns: boolean): { thread: Thread } {
    const row = this.findRow(threadId);
    return { thread: this.wire(row, includeTurns ? this.turnsOf(threadId) : []) };
  }

  list(params: ThreadListParams): ThreadListResponse {
    const sortKey = params.sortKey ?? 'created_at';
    // We keep no sections (docs/protocol.md#methods): every thread is unsectioned.
    if (sortKey === 'section_position' && typeof params.sectionId !== 'string') throw invalidRequest('section-position sorting requires a section filter');
    const limit = Math.min(params.limit ?? DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    const cursor = params.cursor ? decodeCursor(params.cursor, sortKey) : null;
    // The search bound (docs/architecture.md#bounded-everything): a title search's cost grows with its term.
    if (params.searchTerm && params.searchTerm.length > MAX_SEARCH_TERM_CHARS) throw invalidRequest(`searchTerm must be at most ${MAX_SEARCH_TERM_CHARS} characters`);
    if (typeof params.sectionId === 'string') return { data: [], nextCursor: null, backwardsCursor: null };
    // `recency_at` is the reference's last activity: our updated_at.
    const column = sortKey === 'created_at' ? 'created_at' : 'updated_at';
    const rows = threadQueries.listThreads({
      db: this.deps.db,
      params: {
        archived: params.archived ?? false,
        sortKey: column,
        direction: params.sortDirection ?? 'desc',
        limit,
        cursor,
        cwd: params.cwd ? path.resolve(this.deps.defaultCwd, params.cwd) : null,
        modelProviders: params.modelProviders,
        sourceKinds: storedSources(params.sourceKinds && params.sourceKinds.length > 0 ? params.sourceKinds : [...INTERACTIVE_SOURCE_KINDS]),
        searchTerm: params.searchTerm || null,
      },
    });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    const keyOf = (r: ThreadRow) => (column === 'created_at' ? r.createdAt : r.updatedAt);
    const nextCursor = rows.length > limit && last ? encodeCursor(sortKey, keyOf(last), last.id) : null;
    const first = page[0];
    const backwardsCursor = first ? encodeCursor(sortKey, keyOf(first), first.id) : null;
    return { data: page.map((r) => this.wire(this.registry.get(r.id)?.row ?? r)), nextCursor, backwardsCursor };
  }

  loadedList(params: { cursor?: string | null; limit?: number | null }): { data: string[]; nextCursor: string | null } {
    const ids = this.registry.ids();
    const start = params.cursor ? ids.findIndex((id) => id > params.cursor!) : 0;
    const from = start < 0 ? ids.length : start;
    const limit = Math.min(params.limit ?? MAX_LIST_LIMIT, MAX_LIST_LIMIT);
    const data = ids.slice(from, from + limit);
    return { data, nextCursor: from + limit < ids.length ? (data.at(-1) ?? null) : null };
  }

  private storedRow(threadId: string): ThreadRow {
    const row = this.findRow(threadId);
    if (this.registry.get(threadId)?.ephemeral) throw invalidRequest(`thread ${threadId} is ephemeral and cannot be archived`);
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
    const thread = this.registry.get(threadId);
    if (!thread || thread.closing) return { status: 'notLoaded' };
    return { status: this.registry.detach(threadId, subscriber) ? 'unsubscribed' : 'notSubscribed' };
  }

  async setName(threadId: string, rawName: string): Promise<Record<string, never>> {
    const name = rawName.trim();
    if (name.length === 0) throw invalidRequest('thread name must not be empty');
    if (name.length > MAX_THREAD_NAME_CHARS) throw invalidRequest(`thread name must be at most ${MAX_THREAD_NAME_CHARS} characters`);
    const row = this.findRow(threadId);
    const now = Date.now();
    const loaded = this.registry.get(threadId);
    if (loaded?.ephemeral) loaded.replaceRow({ ...row, name, title: name, updatedAt: now });
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
    this.registry.get(threadId)?.replaceRow(row);
    return row;
  }

  close(): void {
    this.registry.close();
  }
}
