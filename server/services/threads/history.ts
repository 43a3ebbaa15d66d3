// A thread's history in pages and its read receipt (docs/protocol.md#methods):
// thread/turns/list, thread/items/list and thread/readState/update, read from the same rebuilt turns as
// thread/read (loaded or not, nothing is loaded), plus the neutral thread/goal/get and
// thread/backgroundTerminals/list.
import { z } from 'zod';
import type { Db } from '../../../db/client';
import * as rolloutQueries from '../../../db/queries/rollout';
import { ErrorCode, invalidRequest, RpcError } from '../../protocol/errors';
import { MAX_LIST_LIMIT } from '../../protocol/thread';
import type {
  ListedTurn,
  SortDirection,
  ThreadItemEntry,
  ThreadItemsListParams,
  ThreadItemsListResponse,
  ThreadReadState,
  ThreadReadStateUpdateParams,
  ThreadTurnsListParams,
  ThreadTurnsListResponse,
  TurnItemsView,
} from '../../protocol/thread-history';
import type { ThreadItem, Turn } from '../../protocol/turn';
import { afterReply } from '../../util/after-reply';
import type { EventHub } from '../event-hub';
import type { ThreadService } from './api';

const DEFAULT_TURNS_PAGE = 50;
const DEFAULT_ITEMS_PAGE = 100;

const turnsCursor = z.object({ k: z.literal('turns'), t: z.string().min(1), inc: z.boolean() });
const itemsCursor = z.object({ k: z.literal('items'), t: z.string().min(1), i: z.string().min(1), inc: z.boolean() });

function encode(value: z.infer<typeof turnsCursor> | z.infer<typeof itemsCursor>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The inclusive thread/turns/list cursor that starts a page at `turnId` (thread/searchOccurrences' turnCursor). */
export function turnCursorAt(turnId: string): string {
  return encode({ k: 'turns', t: turnId, inc: true });
}

function badCursor(cursor: unknown): RpcError {
  return invalidRequest(`invalid cursor: ${JSON.stringify(typeof cursor === 'string' ? cursor.slice(0, 64) : cursor)}`);
}

function decode<T>(cursor: string, shape: z.ZodType<T>): T {
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw badCursor(cursor);
}

function pageLimit(limit: number | null | undefined, fallback: number): number {
  return Math.min(Math.max(1, limit ?? fallback), MAX_LIST_LIMIT);
}

/** The page after (or at, with `inc`) the row at `anchorAt` of `ordered` (null: from the start). */
function page<T>(ordered: readonly T[], anchorAt: number | null, inc: boolean, limit: number): { rows: T[]; more: boolean } {
  const start = anchorAt === null ? 0 : inc ? anchorAt : anchorAt + 1;
  const rows = ordered.slice(start, start + limit);
  return { rows, more: start + limit < ordered.length };
}

/** `summary`: what the conversation shows, the user's and the agent's messages. */
function itemsFor(turn: Turn, view: TurnItemsView): ThreadItem[] {
  if (view === 'notLoaded') return [];
  if (view === 'full') return turn.items;
  return turn.items.filter((i) => i.type === 'userMessage' || i.type === 'agentMessage');
}

function ordered<T>(rows: readonly T[], direction: SortDirection): T[] {
  return direction === 'asc' ? [...rows] : [...rows].reverse();
}

const readMark = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('read'), throughTurnId: z.string().nullable() }),
  z.object({ kind: z.literal('unread') }),
]);
type ReadMark = z.infer<typeof readMark>;

export class ThreadHistory {

  constructor(
    private readonly threads: ThreadService,
    private readonly hub: EventHub,
    private readonly db: Db,
  ) {}

  /** When each item started and ended, from its records (`startedAtMs` / `completedAtMs` payloads), by turn and item id. */
  private itemTimes(threadId: string): Map<string, { startedAtMs: number | null; completedAtMs: number | null }> {
    const records = this.threads.getLoaded(threadId)?.records() ?? rolloutQueries.readRollout({ db: this.db, threadId });
    const times = new Map<string, { startedAtMs: number | null; completedAtMs: number | null }>();
    for (const r of records) {
      if (r.kind !== 'event' || (r.type !== 'item_started' && r.type !== 'item_completed')) continue;
      const p = r.payload as { turnId?: string; item?: { id?: string }; startedAtMs?: unknown; completedAtMs?: unknown };
      if (typeof p.turnId !== 'string' || typeof p.item?.id !== 'string') continue;
      const key = `${p.turnId}\u0000${p.item.id}`;
      const t = times.get(key) ?? { startedAtMs: null, completedAtMs: null };
      if (typeof p.startedAtMs === 'number' && t.startedAtMs === null) t.startedAtMs = p.startedAtMs;
      if (typeof p.completedAtMs === 'number') t.completedAtMs = p.completedAtMs;
      times.set(key, t);
    }
    // An item recorded only at its completion (the user's message, steer input) started at that instant.
    for (const t of times.values()) t.startedAtMs ??= t.completedAtMs;
    return times;
  }

  /** The turns of an existing thread (throws `thread <id> not found`), never loading it. */
  private turns(threadId: string): Turn[] {
    this.threads.read(threadId, false);
    return this.threads.turnsOf(threadId);
  }

  listTurns(p: ThreadTurnsListParams): ThreadTurnsListResponse {
    const list = ordered(this.turns(p.threadId), p.sortDirection ?? 'desc');
    const view = p.itemsView ?? 'summary';
    let anchorAt: number | null = null;
    let inc = false;
    if (p.cursor != null) {
      const c = decode(p.cursor, turnsCursor);
      anchorAt = list.findIndex((t) => t.id === c.t);
      if (anchorAt < 0) throw badCursor(p.cursor);
      inc = c.inc;
    }
    const { rows, more } = page(list, anchorAt, inc, pageLimit(p.limit, DEFAULT_TURNS_PAGE));
    const data: ListedTurn[] = rows.map((t) => ({ ...t, items: itemsFor(t, view), itemsView: view }));
    const last = rows.at(-1);
    return {
      data,
      nextCursor: more && last ? encode({ k: 'turns', t: last.id, inc: false }) : null,
      backwardsCursor: rows[0] ? encode({ k: 'turns', t: rows[0].id, inc: true }) : null,
    };
  }

  listItems(p: ThreadItemsListParams): ThreadItemsListResponse {
    const turns = this.turns(p.threadId).filter((t) => p.turnId == null || t.id === p.turnId);
    const times = this.itemTimes(p.threadId);
    const entries: ThreadItemEntry[] = turns.flatMap((t) =>
      t.items.map((item) => ({ turnId: t.id, item, ...(times.get(`${t.id}\u0000${item.id}`) ?? { startedAtMs: null, completedAtMs: null }) })),
    );
    const list = ordered(entries, p.sortDirection ?? 'asc');
    let anchorAt: number | null = null;
    let inc = false;
    if (p.cursor != null) {
      let turnId: string;
      let itemId: string;
      if (typeof p.cursor === 'string') {
        const c = decode(p.cursor, itemsCursor);
        ({ t: turnId, i: itemId, inc } = c);
      } else {
        if (!p.turnId) throw invalidRequest('an item anchor cursor ({type: "item", itemId}) requires turnId');
        turnId = p.turnId;
        itemId = p.cursor.itemId;
      }
      anchorAt = list.findIndex((e) => e.turnId === turnId && e.item.id === itemId);
      if (anchorAt < 0) throw badCursor(p.cursor);
    }
    const { rows, more } = page(list, anchorAt, inc, pageLimit(p.limit, DEFAULT_ITEMS_PAGE));
    const last = rows.at(-1);
    return {
      data: rows,
      nextCursor: more && last ? encode({ k: 'items', t: last.turnId, i: last.item.id, inc: false }) : null,
      backwardsCursor: rows[0] ? encode({ k: 'items', t: rows[0].turnId, i: rows[0].item.id, inc: true }) : null,
    };
  }

  /**
   * A thread's read receipt: the first settled turn after the last `read` (every settled turn is unread until
   * one), `threadStart` after an `unread`. Marks are `read_mark` rollout events, so receipts survive a restart;
   * the revision changes with every mark and every settled turn.
   */
  readState(threadId: string): ThreadReadState {
    const { thread } = this.threads.read(threadId, false);
    if (thread.ephemeral) throw invalidRequest(`thread read state unavailable: thread ${threadId} is ephemeral`);
    return this.receipt(threadId).state;
  }

  /** Receipts of the threads on a thread/list page that have durable ones (ephemeral threads have none). */
  readStates(threadIds: readonly string[]): Record<string, ThreadReadState> {
    const out: Record<string, ThreadReadState> = {};
    for (const id of threadIds) if (!this.threads.getLoaded(id)?.ephemeral) out[id] = this.receipt(id).state;
    return out;
  }

  private receipt(threadId: string): { state: ThreadReadState; settled: string[] } {
    const loaded = this.threads.getLoaded(threadId);
    const records = loaded
      ? loaded.records().filter((r) => r.kind === 'event' && (r.type === 'turn_completed' || r.type === 'read_mark'))
      : rolloutQueries.readReceiptRecords({ db: this.db, threadId });
    const settled: string[] = [];
    let mark: ReadMark = { kind: 'read', throughTurnId: null };
    let marks = 0;
    for (const r of records) {
      if (r.type === 'turn_completed' && r.turnId) settled.push(r.turnId);
      else if (r.type === 'read_mark') {
        const parsed = readMark.safeParse(r.payload);
        if (parsed.success) {
          mark = parsed.data;
          marks++;
        }
      }
    }
    const revision = `${marks}-${settled.length}`;
    if (mark.kind === 'unread') return { state: { firstUnread: { type: 'threadStart' }, revision }, settled };
    const after = mark.throughTurnId === null ? 0 : settled.indexOf(mark.throughTurnId) + 1;
    const first = settled[after];
    return { state: { firstUnread: first ? { type: 'turn', turnId: first } : null, revision }, settled };
  }

  async updateReadState(p: ThreadReadStateUpdateParams): Promise<{ readState: ThreadReadState }> {
    const current = this.readState(p.threadId);
    if (p.expectedRevision !== current.revision) {
      throw new RpcError(ErrorCode.InvalidRequest, 'read state changed', { reason: 'readStateConflict', readState: current });
    }
    const { settled } = this.receipt(p.threadId);
    const mark: ReadMark = p.operation.type === 'unread' ? { kind: 'unread' } : { kind: 'read', throughTurnId: settled.at(-1) ?? null };
    await this.threads.recordEvent(p.threadId, 'read_mark', mark);
    const readState = this.readState(p.threadId);
    afterReply(() => this.hub.broadcast({ method: 'thread/readState/changed', params: { threadId: p.threadId, readState } }));
    return { readState };
  }

  /** thread/goal/get: we keep no goals. */
  goal(threadId: string): { goal: null } {
    this.threads.read(threadId, false);
    return { goal: null };
  }

  /** thread/backgroundTerminals/list: commands never outlive their turn here, so there are none. */
  backgroundTerminals(threadId: string): { data: never[]; nextCursor: null } {
    this.threads.read(threadId, false);
    return { data: [], nextCursor: null };
  }
}
