import type { ServerNotification, ThreadTokenUsage } from '@/server/protocol/notifications';
import type { Thread } from '@/server/protocol/thread';
import type { ThreadItem, Turn, TurnError } from '@/server/protocol/turn';
import type { ThreadStreamEvent } from '@/server/trpc/router';

export type ThreadMeta = Omit<Thread, 'turns'>;
export interface PlanState {
  explanation: string | null;
  plan: { step: string; status: string }[];
}
/** A turn as the view shows it: lifecycle fields, its item ids in order, and per-turn extras. */
export interface TurnState extends Omit<Turn, 'items' | 'itemsView'> {
  itemIds: readonly string[];
  plan: PlanState | null;
  diff: string | null;
  usage: ThreadTokenUsage | null;
  /** A mid-turn error the server is retrying (`error` with willRetry). */
  retrying: TurnError | null;
}
export interface PendingRequest {
  requestId: string;
  method: string;
  params: { itemId?: string; command?: string; cwd?: string; reason?: string | null; [k: string]: unknown };
}

/** Command output kept in memory per item; older output is cut (docs/architecture.md#bounded-everything). */
export const OUTPUT_LIMIT = 256 * 1024;
const EMPTY: readonly string[] = [];

type Listener = () => void;
type RealtimeListener = (n: ServerNotification) => void;

/** A voice transcript line in the timeline: stored (after a reload) or heard live in this tab. */
export interface VoiceLine {
  key: string;
  role: 'user' | 'assistant';
  text: string;
  /** The turn it follows (null: before every turn). */
  afterTurnId: string | null;
  at: number;
}
/** Voice lines kept per thread view (docs/architecture.md#bounded-everything); the oldest go first. */
export const VOICE_LINES_LIMIT = 2000;
/** Items as they come off the wire: every kind's fields are optional until checked. */
export type LooseItem = { type: string; id: string; [key: string]: unknown };

/**
 * One thread's live state, keyed by id: a delta replaces one item object and wakes only that item's
 * subscribers, once per animation frame, so streaming never re-renders the whole thread.
 */
export class ThreadStore {
  meta: ThreadMeta | null = null;
  turnIds: readonly string[] = EMPTY;
  approvals: readonly PendingRequest[] = [];
  /** Steer messages sent but not yet taken into their turn (they join at its next model request). */
  steers: readonly { turnId: string; text: string }[] = [];
  /** Tracked id of the last event applied (what the client resumes from). */
  lastEventId: string | null = null;
  /** Voice transcript lines, in order (docs/realtime.md#transcripts). */
  voiceLines: readonly VoiceLine[] = [];
  private liveVoiceSeq = 0;
  private readonly realtimeListeners = new Set<RealtimeListener>();
  readonly turns = new Map<string, TurnState>();
  readonly items = new Map<string, ThreadItem>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly dirty = new Set<string>();
  private frame: { raf: number; timer: ReturnType<typeof setTimeout> } | null = null;

  subscribe = (key: string, listener: Listener): (() => void) => {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  };

  /** Hears every `thread/realtime/*` notification as it is applied (the voice call). */
  onRealtime(listener: RealtimeListener): () => void {
    this.realtimeListeners.add(listener);
    return () => this.realtimeListeners.delete(listener);
  }

  /**
   * The stored lines (realtime.transcript); lines heard live that the stored list already holds are not
   * doubled, the others stay after them.
   */
  setStoredVoiceLines(lines: readonly { seq: number; role: 'user' | 'assistant'; text: string; afterTurnId: string | null; at: number }[]): void {
    const stored: VoiceLine[] = lines.map((l) => ({ key: `s${l.seq}`, role: l.role, text: l.text, afterTurnId: l.afterTurnId, at: l.at }));
    const live = this.voiceLines.filter((l) => l.key.startsWith('l') && !stored.some((s) => s.role === l.role && s.text === l.text));
    this.setVoiceLines([...stored, ...live]);
  }

  private setVoiceLines(lines: VoiceLine[]): void {
    this.voiceLines = lines.length > VOICE_LINES_LIMIT ? lines.slice(lines.length - VOICE_LINES_LIMIT) : lines;
    this.emit('voice');
  }

  apply(event: ThreadStreamEvent, id: string | null): void {
    if (id) this.lastEventId = id;
    if (event.type === 'snapshot') this.reset(event.thread);
    else if (event.type === 'serverRequest') this.addRequest(event);
    else this.applyNotification(event.notification);
  }

  /** Flushes pending notifications now (tests, unmount). */
  flush = (): void => {
    if (this.frame) {
      if (typeof cancelAnimationFrame === 'function') cancelAnimationFrame(this.frame.raf);
      clearTimeout(this.frame.timer);
      this.frame = null;
    }
    const keys = [...this.dirty];
    this.dirty.clear();
    for (const key of keys) this.listeners.get(key)?.forEach((l) => l());
  };

  private emit(key: string): void {
    this.dirty.add(key);
    if (this.frame) return;
    // rAF paces updates to the display; the timer covers hidden tabs, where rAF does not run.
    const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(this.flush) : 0;
    this.frame = { raf, timer: setTimeout(this.flush, 100) };
  }

  private reset(thread: Thread): void {
    const { turns, ...meta } = thread;
    this.meta = meta;
    // Plans, diffs and usage are live-only; keep what this client already saw for the same turns.
    const seen = new Map(this.turns);
    this.turns.clear();
    this.items.clear();
    for (const t of turns) this.putTurn(t, seen.get(t.id));
    this.turnIds = turns.map((t) => t.id);
    // The server offers every still-pending request again right after a snapshot.
    this.approvals = [];
    for (const key of this.listeners.keys()) this.emit(key);
  }

  private putTurn(t: Turn, prev: TurnState | undefined): void {
    // itemsView says how much of `items` one payload carried: not part of the turn's state.
    const { items, itemsView: _view, ...rest } = t;
    for (const item of items) this.items.set(item.id, item);
    this.turns.set(t.id, {
      ...rest,
      itemIds: items.map((i) => i.id),
      plan: prev?.plan ?? null,
      diff: prev?.diff ?? null,
      usage: prev?.usage ?? null,
      retrying: null,
    });
    for (const item of items) this.emit(`item:${item.id}`);
    this.emit(`turn:${t.id}`);
  }

  private ensureTurn(turnId: string): TurnState {
    const existing = this.turns.get(turnId);
    if (existing) return existing;
    const t: TurnState = { id: turnId, status: 'inProgress', error: null, startedAt: null, completedAt: null, durationMs: null, itemIds: EMPTY, plan: null, diff: null, usage: null, retrying: null };
    this.turns.set(turnId, t);
    this.turnIds = [...this.turnIds, turnId];
    this.emit('turns');
    return t;
  }

  private updateTurn(turnId: string, patch: Partial<TurnState>): void {
    this.turns.set(turnId, { ...this.ensureTurn(turnId), ...patch });
    this.emit(`turn:${turnId}`);
  }

  private setItem(turnId: string, item: ThreadItem): void {
    const turn = this.ensureTurn(turnId);
    if (!turn.itemIds.includes(item.id)) this.updateTurn(turnId, { itemIds: [...turn.itemIds, item.id] });
    this.items.set(item.id, item);
    this.emit(`item:${item.id}`);
    if (item.type !== 'userMessage') return;
    const text = (item as LooseItem & { content?: { type: string; text?: string }[] }).content?.map((c) => (c.type === 'text' ? c.text : '')).join('\n').trim();
    // The first user message becomes the preview, and so the title of an unnamed thread (as on the server).
    if (text && this.meta && !this.meta.preview) this.setMeta({ preview: text });
    // A steer the server took into the turn shows up as this user message: it is no longer queued.
    const queued = this.steers.find((s) => s.turnId === turnId && s.text.trim() === text);
    if (queued) this.settleSteers((s) => s !== queued);
  }

  private patchItem(itemId: string, patch: (item: LooseItem) => LooseItem): void {
    const item = this.items.get(itemId);
    if (!item) return;
    this.items.set(itemId, patch(item as LooseItem) as ThreadItem);
    this.emit(`item:${itemId}`);
  }

  private setMeta(patch: Partial<ThreadMeta>): void {
    if (!this.meta) return;
    this.meta = { ...this.meta, ...patch };
    this.emit('meta');
  }

  addSteer(turnId: string, text: string): void {
    this.steers = [...this.steers, { turnId, text }];
    this.emit('steers');
  }

  private settleSteers(keep: (s: { turnId: string; text: string }) => boolean): void {
    const next = this.steers.filter(keep);
    if (next.length === this.steers.length) return;
    this.steers = next;
    this.emit('steers');
  }

  /** Renames arrive on the connection-wide channel, not the thread's. */
  rename(name: string | null): void {
    this.setMeta({ name });
  }

  private addRequest(e: Extract<ThreadStreamEvent, { type: 'serverRequest' }>): void {
    if (this.approvals.some((a) => a.requestId === e.requestId)) return;
    this.approvals = [...this.approvals, { requestId: e.requestId, method: e.method, params: (e.params ?? {}) as PendingRequest['params'] }];
    this.emit('approvals');
  }

  private removeRequest(requestId: string): void {
    const next = this.approvals.filter((a) => a.requestId !== requestId);
    if (next.length === this.approvals.length) return;
    this.approvals = next;
    this.emit('approvals');
  }

  applyNotification(n: ServerNotification): void {
    if (n.method.startsWith('thread/realtime/')) {
      if (n.method === 'thread/realtime/transcript/done' && n.params.text.trim() !== '') {
        this.liveVoiceSeq += 1;
        this.setVoiceLines([...this.voiceLines, { key: `l${this.liveVoiceSeq}`, role: n.params.role, text: n.params.text, afterTurnId: this.turnIds.at(-1) ?? null, at: Date.now() }]);
      }
      for (const l of this.realtimeListeners) l(n);
      return;
    }
    switch (n.method) {
      case 'thread/status/changed':
        return this.setMeta({ status: n.params.status });
      case 'turn/started':
        this.ensureTurn(n.params.turn.id);
        return this.updateTurn(n.params.turn.id, { ...withoutItems(n.params.turn), retrying: null });
      case 'turn/completed': {
        const t = n.params.turn;
        const prev = this.ensureTurn(t.id);
        // The completed turn's items are authoritative (a retried attempt's items are gone).
        if (t.items.length > 0) for (const item of t.items) this.items.set(item.id, item);
        const itemIds = t.items.length > 0 ? t.items.map((i) => i.id) : prev.itemIds;
        for (const id of itemIds) this.emit(`item:${id}`);
        this.settleSteers((st) => st.turnId !== t.id);
        return this.updateTurn(t.id, { ...withoutItems(t), itemIds, retrying: null });
      }
      case 'item/started':
      case 'item/completed':
        return this.setItem(n.params.turnId, n.params.item);
      case 'item/agentMessage/delta':
        return this.patchItem(n.params.itemId, (i) => ({ ...i, text: String(i.text ?? '') + n.params.delta }));
      case 'item/reasoning/summaryPartAdded':
        return this.patchItem(n.params.itemId, (i) => ({ ...i, summary: padTo(i.summary, n.params.summaryIndex) }));
      case 'item/reasoning/summaryTextDelta':
        return this.patchItem(n.params.itemId, (i) => ({ ...i, summary: appendAt(i.summary, n.params.summaryIndex, n.params.delta) }));
      case 'item/reasoning/textDelta':
        return this.patchItem(n.params.itemId, (i) => ({ ...i, content: appendAt(i.content, n.params.contentIndex, n.params.delta) }));
      case 'item/commandExecution/outputDelta':
        return this.patchItem(n.params.itemId, (i) => ({ ...i, aggregatedOutput: tail(String(i.aggregatedOutput ?? '') + n.params.delta) }));
      case 'turn/plan/updated':
        return this.updateTurn(n.params.turnId, { plan: { explanation: n.params.explanation, plan: n.params.plan } });
      case 'turn/diff/updated':
        return this.updateTurn(n.params.turnId, { diff: n.params.diff });
      case 'thread/tokenUsage/updated':
        return this.updateTurn(n.params.turnId, { usage: n.params.tokenUsage });
      case 'error':
        if (n.params.willRetry) return this.updateTurn(n.params.turnId, { retrying: n.params.error });
        return this.updateTurn(n.params.turnId, { error: n.params.error, retrying: null });
      case 'serverRequest/resolved':
        return this.removeRequest(String(n.params.requestId));
      default:
        return;
    }
  }
}

function withoutItems(t: Turn): Omit<Turn, 'items' | 'itemsView'> {
  const { items: _items, itemsView: _view, ...rest } = t;
  return rest;
}

function padTo(list: unknown, index: number): string[] {
  const out = Array.isArray(list) ? [...(list as string[])] : [];
  while (out.length <= index) out.push('');
  return out;
}

function appendAt(list: unknown, index: number, delta: string): string[] {
  const out = padTo(list, index);
  out[index] += delta;
  return out;
}

function tail(text: string): string {
  return text.length > OUTPUT_LIMIT ? text.slice(text.length - OUTPUT_LIMIT) : text;
}
