// One loaded thread's life. Turns and realtime talk to the handle, never to the registry's internals:
// - record(): rollout records go through the group commit, and only once they are committed do their
//   notifications leave (docs/architecture.md#write-then-publish);
// - emit(): ephemeral events (deltas) go out at once, through the same event ring, never to disk;
// - status, the running turn, the live (partially streamed) items, session approvals, subscribers and the
//   unload timer are private state with named operations.
import type { Db } from '../../../db/client';
import * as rolloutQueries from '../../../db/queries/rollout';
import type { RolloutRow, ThreadRow } from '../../../db/schema';
import type { GroupCommitWriter } from '../../../db/writer';
import type { GrantedPrefix } from '../../engine/tools/exec-policy';
import type { ServerNotification } from '../../protocol/notifications';
import type { ThreadStatus } from '../../protocol/thread';
import type { ThreadItem, Turn } from '../../protocol/turn';
import type { Subscriber } from '../event-hub';
import { ThreadEventLog, type LoggedEvent } from './event-log';
import { rebuildTurns } from './projection';
import type { ThreadSettings } from './settings';

export type RolloutRecord = Omit<RolloutRow, 'threadId' | 'seq' | 'createdAt'>;

/** Bounded (docs/architecture.md#bounded-everything): past this, an approval for the session applies once. */
const MAX_SESSION_APPROVALS = 1000;

export interface ThreadHandleDeps {
  db: Db;
  writer: GroupCommitWriter;
}

export interface RecordOptions {
  /** Runs first in the same transaction (e.g. inserting the thread row the records refer to). */
  before?: () => void;
  /** Published once the records are committed, in order. */
  publish?: readonly ServerNotification[];
}

/**
 * The model's view of the conversation, one record at a time: response items append; a `compacted` event
 * (thread/compact/start) replaces everything before it with its replacement history (docs/protocol.md#compaction).
 */
function replay(items: unknown[], r: Pick<RolloutRow, 'kind' | 'type' | 'payload'>): unknown[] {
  if (r.kind === 'response_item') {
    items.push(r.payload);
    return items;
  }
  if (r.type === 'compacted') {
    const replacement = (r.payload as { replacementHistory?: unknown }).replacementHistory;
    return Array.isArray(replacement) ? [...(replacement as unknown[])] : items;
  }
  return items;
}

export class ThreadHandle {
  private readonly subscribers = new Set<Subscriber>();
  private readonly ring = new ThreadEventLog();
  private currentStatus: ThreadStatus = { type: 'idle' };
  private unloadTimer: NodeJS.Timeout | null = null;
  private closingFlag = false;
  private turnId: string | null = null;
  /** Ephemeral threads keep their rollout here; stored threads in SQLite. */
  private readonly memoryRollout: RolloutRow[] = [];
  private readonly liveItems = new Map<string, ThreadItem>();
  private readonly sessionApprovals = new Set<string>();
  private readonly commandPrefixes = new Map<string, GrantedPrefix>();
  /** The model's view (response items, in order), loaded once and extended as records commit. */
  private responseItemCache: unknown[] | null = null;

  constructor(
    private readonly deps: ThreadHandleDeps,
    private currentRow: ThreadRow,
    readonly ephemeral: boolean,
    private currentSettings: ThreadSettings,
    private lastSeq: number,
  ) {}

  get id(): string {
    return this.currentRow.id;
  }
  get row(): ThreadRow {
    return this.currentRow;
  }
  get settings(): ThreadSettings {
    return this.currentSettings;
  }
  get status(): ThreadStatus {
    return this.currentStatus;
  }
  get runningTurnId(): string | null {
    return this.turnId;
  }
  get closing(): boolean {
    return this.closingFlag;
  }

  // ---- the journal: write, then publish --------------------------------------------------------

  /** Appends rollout records; resolves after they are committed, then publishes `opts.publish`. */
  async record(records: readonly RolloutRecord[], opts: RecordOptions = {}): Promise<void> {
    const now = Date.now();
    const rows: RolloutRow[] = records.map((r) => ({ ...r, threadId: this.id, seq: ++this.lastSeq, createdAt: now }));
    if (this.ephemeral) {
      opts.before?.();
      this.memoryRollout.push(...rows);
    } else {
      await this.deps.writer.submit(() => {
        opts.before?.();
        rolloutQueries.appendRollout({ db: this.deps.db, records: rows });
      });
    }
    if (this.responseItemCache) for (const r of rows) this.responseItemCache = replay(this.responseItemCache, r);
    for (const n of opts.publish ?? []) this.emit(n);
  }

  /** The last record's sequence number (live sync appends after it). */
  get recordSeq(): number {
    return this.lastSeq;
  }

  /**
   * Records another writer has committed for this thread (live sync of a Codex rollout,
   * docs/architecture.md#importing-codex-history): the sequence moves past them and subscribers get their
   * notifications, as if they had been recorded here.
   */
  adoptCommitted(rows: readonly RolloutRow[]): void {
    for (const r of rows) {
      this.lastSeq = Math.max(this.lastSeq, r.seq);
      if (r.kind === 'response_item') {
        this.responseItemCache?.push(r.payload);
        continue;
      }
      const p = r.payload as { turn?: Turn; turnId?: string; item?: ThreadItem; completedAtMs?: number };
      if (r.type === 'turn_started' && p.turn) this.emit({ method: 'turn/started', params: { threadId: this.id, turn: p.turn } });
      else if (r.type === 'turn_completed' && p.turn) this.emit({ method: 'turn/completed', params: { threadId: this.id, turn: p.turn } });
      else if (r.type === 'item_completed' && p.item && p.turnId) {
        this.emit({ method: 'item/completed', params: { threadId: this.id, turnId: p.turnId, item: p.item, completedAtMs: p.completedAtMs ?? r.createdAt } });
      }
    }
  }

  /** Sends a thread-scoped notification to every subscriber through the event ring (nothing is written). */
  emit(notification: ServerNotification): void {
    const seq = this.ring.append(notification);
    const meta = { threadId: this.id, epoch: this.ring.epoch, seq };
    for (const s of this.subscribers) s.notify(notification, meta);
  }

  setStatus(status: ThreadStatus): void {
    this.currentStatus = status;
    this.emit({ method: 'thread/status/changed', params: { threadId: this.id, status } });
  }

  /** Settings change only after their session_meta record is committed: memory and disk agree. */
  async recordSettings(next: ThreadSettings): Promise<void> {
    await this.record([{ kind: 'event', type: 'session_meta', turnId: null, payload: next }]);
    this.currentSettings = next;
  }

  /** The row as the database now holds it (after a write elsewhere), or an in-memory edit for ephemeral threads. */
  replaceRow(row: ThreadRow): void {
    this.currentRow = row;
  }

  // ---- what the thread holds -------------------------------------------------------------------

  records(): RolloutRow[] {
    return this.ephemeral ? this.memoryRollout : rolloutQueries.readRollout({ db: this.deps.db, threadId: this.id });
  }

  /** What the next model request replays; read from the rollout once per load, not per request. */
  responseItems(): unknown[] {
    this.responseItemCache ??= this.records().reduce<unknown[]>(replay, []);
    return this.responseItemCache;
  }

  /** Turns rebuilt from the rollout; the running turn's items carry what has streamed so far. */
  turns(): Turn[] {
    const turns = rebuildTurns(this.records(), this.turnId);
    if (this.liveItems.size > 0) {
      const running = turns.find((t) => t.id === this.turnId);
      if (running) running.items = running.items.map((item) => this.liveItems.get(item.id) ?? item);
    }
    return turns;
  }

  // ---- the running turn ------------------------------------------------------------------------

  beginTurn(turnId: string): void {
    this.turnId = turnId;
    this.cancelUnload();
  }

  endTurn(): void {
    this.turnId = null;
    this.liveItems.clear();
  }

  /** An item as streamed so far (a snapshot's in-progress item). */
  setLiveItem(item: ThreadItem): void {
    this.liveItems.set(item.id, item);
  }

  dropLiveItem(itemId: string): void {
    this.liveItems.delete(itemId);
  }

  isApprovedForSession(command: string): boolean {
    return this.sessionApprovals.has(command);
  }

  approveForSession(command: string): void {
    if (this.sessionApprovals.size < MAX_SESSION_APPROVALS) this.sessionApprovals.add(command);
  }

  /** Command prefixes granted "don't ask again" on this loaded thread (`acceptWithExecpolicyAmendment`). */
  allowedCommandPrefixes(): readonly GrantedPrefix[] {
    return [...this.commandPrefixes.values()];
  }

  /** `escalated`: granted for a command that asked to leave the sandbox (only such a grant covers escalations). */
  allowCommandPrefix(prefix: readonly string[], escalated: boolean): void {
    const key = `${escalated ? 'escalated' : 'sandboxed'}\u0000${JSON.stringify(prefix)}`;
    if (this.commandPrefixes.size < MAX_SESSION_APPROVALS || this.commandPrefixes.has(key)) this.commandPrefixes.set(key, { prefix: [...prefix], escalated });
  }

  // ---- the live stream -------------------------------------------------------------------------

  get epoch(): string {
    return this.ring.epoch;
  }
  /** The sequence number of the last event emitted. */
  get eventSeq(): number {
    return this.ring.seq;
  }
  eventsSince(seq: number): LoggedEvent[] | null {
    return this.ring.since(seq);
  }
  eventAt(seq: number): LoggedEvent | undefined {
    return this.ring.at(seq);
  }

  /** True when the subscriber is new here. */
  addSubscriber(subscriber: Subscriber): boolean {
    if (this.subscribers.has(subscriber)) return false;
    this.subscribers.add(subscriber);
    return true;
  }

  removeSubscriber(subscriber: Subscriber): boolean {
    return this.subscribers.delete(subscriber);
  }

  subscriberList(): Subscriber[] {
    return [...this.subscribers];
  }

  /** Subscribers that keep the thread loaded (internal observers do not). */
  hasActiveSubscribers(): boolean {
    for (const s of this.subscribers) if (!s.passive) return true;
    return false;
  }

  // ---- unloading -------------------------------------------------------------------------------

  /** Whether nothing keeps the thread loaded: no active subscriber, no running turn, not already closing. */
  get idleForUnload(): boolean {
    return !this.hasActiveSubscribers() && this.turnId === null && !this.closingFlag;
  }

  scheduleUnload(afterMs: number, unload: () => void): void {
    if (this.unloadTimer || !this.idleForUnload) return;
    this.unloadTimer = setTimeout(() => {
      this.unloadTimer = null;
      if (this.idleForUnload) unload();
    }, afterMs);
    this.unloadTimer.unref();
  }

  cancelUnload(): void {
    if (this.unloadTimer) clearTimeout(this.unloadTimer);
    this.unloadTimer = null;
  }

  /** From now on the thread refuses new loads; its status reads notLoaded. */
  markClosing(): void {
    this.closingFlag = true;
    this.currentStatus = { type: 'notLoaded' };
  }
}
