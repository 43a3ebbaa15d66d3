import { randomUUID } from 'node:crypto';
import type { ServerNotification } from '../protocol/notifications';

export interface LoggedEvent {
  seq: number;
  notification: ServerNotification;
}

export const EVENT_RING_CAPACITY = 4096;

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

  append(notification: ServerNotification): number {
    const seq = ++this.lastSeq;
    this.ring[seq % this.capacity] = { seq, notification };
    return seq;
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
