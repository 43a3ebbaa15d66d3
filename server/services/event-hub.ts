import type { ServerNotification } from '../protocol/notifications';

/** Where a thread event sits in its thread's live stream (docs/architecture.md#write-then-publish). */
export interface EventMeta {
  threadId: string;
  epoch: string;
  seq: number;
}

/** Anything that receives notifications: a JSON-RPC connection or a tRPC subscription. */
export interface Subscriber {
  readonly id: string;
  notify(notification: ServerNotification, meta?: EventMeta): void;
  /** Server→client request (approvals); absent on subscribers that cannot answer one. */
  request?(id: string | number, method: string, params: unknown): Promise<unknown>;
  /** An internal observer (the realtime broker's): it does not keep a thread loaded. */
  readonly passive?: boolean;
}

/** Fan-out of connection-wide notifications (thread/started, thread/name/updated, ...). */
export class EventHub {
  private readonly connections = new Set<Subscriber>();

  addConnection(subscriber: Subscriber): void {
    this.connections.add(subscriber);
  }

  removeConnection(subscriber: Subscriber): void {
    this.connections.delete(subscriber);
  }

  broadcast(notification: ServerNotification): void {
    for (const c of this.connections) c.notify(notification);
  }

  get connectionCount(): number {
    return this.connections.size;
  }
}
