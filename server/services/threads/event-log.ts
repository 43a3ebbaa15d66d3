import { randomUUID } from 'node:crypto';
import type { ServerNotification } from '../../protocol/notifications';

export interface LoggedEvent {
  seq: number;
  notification: ServerNotification;
}

export const EVENT_RING_CAPACITY = 4096;

/**
 * A copy of a JSON value as it is now: plain objects and arrays are copied, everything else (strings
 * included, which never change) is shared. Publishers keep mutating what they published (an item's
 * text grows with each delta), so whatever sends an event later must send this copy.
 */
export function snapshotOf<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => snapshotOf(v)) as T;
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = snapshotOf(v);
  return out as T;
}

/**
 * The bounded ring of a loaded thread's recent events, deltas included. A reconnecting client that
 * names an event still in the ring gets exactly what followed it; otherwise it needs a snapshot.
 * `epoch` changes each time the thread is loaded, so ids from an earlier load never match.
 */
export class ThreadEventLog {
  readonly epoch = randomUUID().slice(0, 8);
  private readonly ring: (LoggedEvent | undefined)[];
  private lastSeq = 0;

  constructor(private readonly capacity = EVENT_RING_CAPACITY) {
    this.ring = new Array<LoggedEvent | undefined>(capacity);
  }

  /** Keeps a snapshot taken now: a replay (or a late sender) shows the event as it was published. */
  append(notification: ServerNotification): number {
    const seq = ++this.lastSeq;
    this.ring[seq % this.capacity] = { seq, notification: snapshotOf(notification) };
    return seq;
  }

  /** The event with this sequence number, while it is still in the ring. */
  at(seq: number): LoggedEvent | undefined {
    const e = this.ring[seq % this.capacity];
    return e?.seq === seq ? e : undefined;
  }

  get seq(): number {
    return this.lastSeq;
  }

  /** Events after `seq`, or null when some of them already fell out of the ring. */
  since(seq: number): LoggedEvent[] | null {
    if (seq > this.lastSeq) return null;
    if (this.lastSeq - seq > this.capacity) return null;
    const out: LoggedEvent[] = [];
    for (let s = seq + 1; s <= this.lastSeq; s++) {
      const e = this.ring[s % this.capacity];
      if (!e || e.seq !== s) return null;
      out.push(e);
    }
    return out;
  }
}

export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}:${seq}`;
}

export function parseEventId(id: string): { epoch: string; seq: number } | null {
  const m = /^([0-9a-f]{8}):(\d+)$/.exec(id);
  return m ? { epoch: m[1]!, seq: Number(m[2]) } : null;
}
