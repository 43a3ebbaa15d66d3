import type { RolloutRow } from '../../../db/schema';
import type { ThreadItem, Turn } from '../../protocol/turn';

/** Event record payloads (kind 'event'); response items (kind 'response_item') are the model's view. */
export type RolloutEvent =
  | { type: 'session_meta'; payload: Record<string, unknown> }
  | { type: 'turn_started'; payload: { turn: Turn } }
  | { type: 'item_started'; payload: { turnId: string; item: ThreadItem; startedAtMs?: number } }
  | { type: 'item_completed'; payload: { turnId: string; item: ThreadItem; completedAtMs?: number } }
  | { type: 'turn_completed'; payload: { turn: Turn } }
  /** An item of a model attempt that was retried: it never happened as far as the thread is concerned. */
  | { type: 'item_discarded'; payload: { turnId: string; itemId: string } };

/**
 * Rebuilds `thread.turns` from event records. A turn with no completion record that is not running
 * now was cut off by a crash or restart, and is reported interrupted, never left inProgress.
 */
export function rebuildTurns(records: Pick<RolloutRow, 'kind' | 'type' | 'payload'>[], runningTurnId: string | null = null): Turn[] {
  const turns = new Map<string, Turn>();
  const itemIndex = new Map<string, Map<string, number>>();
  for (const r of records) {
    if (r.kind !== 'event') continue;
    const ev = { type: r.type, payload: r.payload } as RolloutEvent;
    switch (ev.type) {
      case 'turn_started':
        turns.set(ev.payload.turn.id, { ...ev.payload.turn, items: [] });
        itemIndex.set(ev.payload.turn.id, new Map());
        break;
      case 'item_started':
      case 'item_completed': {
        const turn = turns.get(ev.payload.turnId);
        const index = itemIndex.get(ev.payload.turnId);
        if (!turn || !index) break;
        const at = index.get(ev.payload.item.id);
        if (at === undefined) {
          index.set(ev.payload.item.id, turn.items.length);
          turn.items.push(ev.payload.item);
        } else turn.items[at] = ev.payload.item;
        break;
      }
      case 'item_discarded': {
        const turn = turns.get(ev.payload.turnId);
        const index = itemIndex.get(ev.payload.turnId);
        const at = index?.get(ev.payload.itemId);
        if (!turn || !index || at === undefined) break;
        turn.items.splice(at, 1);
        index.delete(ev.payload.itemId);
        for (const [id, i] of index) if (i > at) index.set(id, i - 1);
        break;
      }
      case 'turn_completed': {
        const turn = turns.get(ev.payload.turn.id);
        if (turn) turns.set(turn.id, { ...ev.payload.turn, items: turn.items });
        break;
      }
      default:
        break;
    }
  }
  const out = [...turns.values()];
  for (const t of out) {
    if (t.status === 'inProgress' && t.id !== runningTurnId) t.status = 'interrupted';
    // Rebuilt from every record: the items are all there.
    t.itemsView = 'full';
  }
  return out;
}
