import { READ_TIMEOUT_MS } from '../../testkit/timeouts';
import type { RequestId, RpcErrorMessage, RpcMessage, RpcNotification, RpcResponse } from './wire';
import { recordInbound, RequestMethods } from './wire-log';

/** Every read gives up after this long (tests must never hang on a missing message). */
export { READ_TIMEOUT_MS };

export interface InitializeOptions {
  name?: string;
  experimentalApi?: boolean;
  optOutNotificationMethods?: string[];
  /** Omit `capabilities` entirely, as a minimal client does. */
  noCapabilities?: boolean;
}

const show = (m: unknown) => {
  const text = JSON.stringify(m);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/**
 * A JSON-RPC client over some transport. Every inbound message is logged in `received`; reads
 * consume the first matching message and leave the others queued, so no notification is lost
 * to a read that was waiting for something else.
 */
export abstract class RpcClient {
  /** Everything this connection ever received, in arrival order. */
  readonly received: RpcMessage[] = [];
  private queue: RpcMessage[] = [];
  private wakeups: (() => void)[] = [];
  private nextId = 1;
  private closedReason: string | null = null;
  /** Frames that were not JSON-RPC messages: the transport must carry nothing else. */
  readonly violations: string[] = [];
  /** For the wire log (CODEX_WEB_WIRE_LOG): which method each request id we sent named. */
  private readonly requestMethods = new RequestMethods();

  protected abstract sendText(text: string): void;
  /** Extra context for failure messages (e.g. the server's stderr tail). */
  protected abstract context(): string;

  protected acceptText(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.violations.push(text.slice(0, 200));
      this.wake();
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.violations.push(text.slice(0, 200));
    } else {
      recordInbound(value as Record<string, unknown>, this.requestMethods);
      this.received.push(value as RpcMessage);
      this.queue.push(value as RpcMessage);
    }
    this.wake();
  }

  protected markClosed(reason: string): void {
    this.closedReason ??= reason;
    this.wake();
  }

  private wake(): void {
    const w = this.wakeups;
    this.wakeups = [];
    for (const f of w) f();
  }

  private waitForArrival(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeups.push(done);
    });
  }

  sendRaw(text: string): void {
    this.requestMethods.sent(text);
    this.sendText(text);
  }

  /** Sends a request and returns its id (auto-numbered unless given). */
  send(method: string, params?: unknown, id?: RequestId): RequestId {
    const rid = id ?? this.nextId++;
    this.sendRaw(JSON.stringify(params === undefined ? { id: rid, method } : { id: rid, method, params }));
    return rid;
  }

  sendNotification(method: string, params?: unknown): void {
    this.sendText(JSON.stringify(params === undefined ? { method } : { method, params }));
  }

  /** send + readUntilResponse; returns the result. */
  async request<T = Record<string, unknown>>(method: string, params?: unknown): Promise<T> {
    const id = this.send(method, params);
    return (await this.readUntilResponse<T>(id)).result;
  }

  /** send + readUntilError; returns the error body. */
  async requestError(method: string, params?: unknown): Promise<RpcErrorMessage['error']> {
    const id = this.send(method, params);
    return (await this.readUntilError(id)).error;
  }

  async initialize(opts: InitializeOptions = {}): Promise<Record<string, unknown>> {
    const params = {
      clientInfo: { name: opts.name ?? 'codex-web-tests', title: null, version: '0.1.0' },
      ...(opts.noCapabilities
        ? {}
        : { capabilities: { experimentalApi: opts.experimentalApi ?? true, optOutNotificationMethods: opts.optOutNotificationMethods ?? null } }),
    };
    const result = await this.request('initialize', params);
    this.sendNotification('initialized');
    return result;
  }

  private async readUntil(what: string, match: (m: RpcMessage) => boolean, timeoutMs: number, wrong?: (m: RpcMessage) => boolean): Promise<RpcMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.violations.length > 0) throw new Error(`non-JSON-RPC frame while waiting for ${what}: ${show(this.violations[0])}${this.context()}`);
      const bad = wrong ? this.queue.find(wrong) : undefined;
      if (bad) throw new Error(`expected ${what}, got ${show(bad)}`);
      const at = this.queue.findIndex(match);
      if (at >= 0) return this.queue.splice(at, 1)[0]!;
      if (this.closedReason !== null) throw new Error(`connection closed (${this.closedReason}) while waiting for ${what}${this.context()}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; unread: ${this.queue.map(show).join(', ') || 'none'}${this.context()}`);
      }
      await this.waitForArrival(left);
    }
  }

  async readUntilResponse<T = Record<string, unknown>>(id: RequestId, timeoutMs = READ_TIMEOUT_MS): Promise<RpcResponse<T>> {
    const m = await this.readUntil(
      `response ${id}`,
      (x) => x.id === id && 'result' in x,
      timeoutMs,
      (x) => x.id === id && 'error' in x,
    );
    return m as RpcResponse<T>;
  }

  /** `id` may be null: errors for frames that could not be parsed carry a null id. */
  async readUntilError(id: RequestId | null, timeoutMs = READ_TIMEOUT_MS): Promise<RpcErrorMessage> {
    const m = await this.readUntil(
      `error for id ${id}`,
      (x) => x.id === id && 'error' in x,
      timeoutMs,
      (x) => id !== null && x.id === id && 'result' in x,
    );
    return m as RpcErrorMessage;
  }

  async readUntilNotification<P = Record<string, unknown>>(
    method: string,
    filter: (params: P) => boolean = () => true,
    timeoutMs = READ_TIMEOUT_MS,
  ): Promise<RpcNotification<P>> {
    const m = await this.readUntil(
      `notification ${method}`,
      (x) => x.method === method && !('id' in x) && filter(x.params as P),
      timeoutMs,
    );
    return m as RpcNotification<P>;
  }

  /** A server→client request (approvals, dynamic tool calls). */
  async readUntilServerRequest<P = Record<string, unknown>>(method: string, timeoutMs = READ_TIMEOUT_MS): Promise<{ id: RequestId; method: string; params: P }> {
    const m = await this.readUntil(`server request ${method}`, (x) => x.method === method && 'id' in x, timeoutMs);
    return m as unknown as { id: RequestId; method: string; params: P };
  }

  /** Answers a server→client request. */
  respond(id: RequestId, result: unknown): void {
    this.sendRaw(JSON.stringify({ id, result }));
  }

  /** Every notification received so far (read or not), in order, by method. */
  notificationsSeen(): { method: string; params: Record<string, unknown> }[] {
    return this.received.filter((m) => m.method !== undefined && !('id' in m)) as { method: string; params: Record<string, unknown> }[];
  }

  /** Fails if anything is unread now or arrives within `ms`. */
  async assertNoMessage(ms: number): Promise<void> {
    const check = () => {
      const extra = this.queue[0] ?? this.violations[0];
      if (extra !== undefined) throw new Error(`expected no message, got ${show(extra)}`);
    };
    check();
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      await this.waitForArrival(deadline - Date.now());
      check();
    }
  }

  /** Forgets unread messages (they stay in `received`). */
  discardUnread(): void {
    this.queue = [];
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }
}
