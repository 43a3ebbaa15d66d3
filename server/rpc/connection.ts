import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { ErrorCode, MAX_MESSAGE_BYTES, RpcError, invalidRequest, overloaded, type JsonRpcErrorBody } from '../protocol/errors';
import { classifyMessage, type RequestId } from '../protocol/jsonrpc';
import { initializeParams, type InitializeResponse } from '../protocol/initialize';
import type { ServerNotification } from '../protocol/notifications';
import { asRpcError } from '../services/errors';
import type { Services } from '../services/services';
import type { Subscriber } from '../services/event-hub';
import { log } from '../util/log';
import { lookupMethod, type MethodTable } from './method-table';
import { formatZodError } from './zod-message';

/** A transport moves text frames; it reports back-pressure by returning false from send. */
export interface Transport {
  send(text: string): void;
  /** Bytes accepted but not yet written; a consumer this far behind is dropped. */
  bufferedBytes(): number;
  close(reason: string): void;
}

const MAX_IN_FLIGHT = 256;
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * One JSON-RPC session (a stdio pipe or one WebSocket). Applies the order of checks in
 * docs/protocol.md#order-of-checks: parse, initialization, method lookup, params schema, experimental gating, handler.
 */
export class RpcConnection implements Subscriber {
  readonly id = `conn-${randomUUID()}`;
  private initialized = false;
  private experimentalApi = false;
  private optOut = new Set<string>();
  private inFlight = 0;
  private closed = false;
  private pendingServerRequests = new Map<RequestId, { resolve: (v: unknown) => void; reject: (e: RpcError) => void }>();

  constructor(
    private readonly services: Services,
    private readonly methods: MethodTable,
    private readonly transport: Transport,
  ) {}

  /** Feeds one inbound frame (a stdio line or a WebSocket text message). */
  handleFrame(text: string, byteLength = Buffer.byteLength(text)): void {
    if (this.closed) return;
    if (byteLength > MAX_MESSAGE_BYTES) {
      this.sendError(null, invalidRequest(`message of ${byteLength} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`).toBody());
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.sendError(null, { code: ErrorCode.ParseError, message: 'Parse error' });
      return;
    }
    const message = classifyMessage(value);
    if (!message) {
      // Valid JSON that is no request, notification or response (a batch, `"method":1`, `"id":{}`).
      this.sendError(null, { code: ErrorCode.InvalidRequest, message: 'Invalid Request' });
      return;
    }
    switch (message.kind) {
      case 'request':
        void this.handleRequest(message.msg.id, message.msg.method, message.msg.params);
        return;
      case 'notification':
        // `initialized` and any other client notification need no answer.
        return;
      case 'response':
      case 'error': {
        const id = message.msg.id;
        const pending = id === null ? undefined : this.pendingServerRequests.get(id);
        if (!pending || id === null) return;
        this.pendingServerRequests.delete(id);
        if (message.kind === 'response') pending.resolve(message.msg.result);
        else pending.reject(new RpcError(message.msg.error.code, message.msg.error.message, message.msg.error.data));
        return;
      }
    }
  }

  private async handleRequest(id: RequestId, methodName: string, rawParams: unknown): Promise<void> {
    if (methodName === 'initialize') {
      if (this.initialized) return this.sendError(id, invalidRequest('Already initialized').toBody());
      const parsed = initializeParams.safeParse(rawParams ?? {});
      if (!parsed.success) return this.sendError(id, { code: ErrorCode.InvalidParams, message: formatZodError(parsed.error) });
      this.initialized = true;
      this.experimentalApi = parsed.data.capabilities?.experimentalApi ?? false;
      this.optOut = new Set(parsed.data.capabilities?.optOutNotificationMethods ?? []);
      const result: InitializeResponse = this.services.initializeResponse();
      this.sendResult(id, result);
      this.services.hub.addConnection(this);
      return;
    }
    if (!this.initialized) return this.sendError(id, invalidRequest('Not initialized').toBody());
    const def = lookupMethod(this.methods, methodName);
    if (!def) return this.sendError(id, { code: ErrorCode.MethodNotFound, message: `Method not found: ${methodName}` });
    const parsed = (def.params as z.ZodType).safeParse(rawParams ?? {});
    if (!parsed.success) return this.sendError(id, { code: ErrorCode.InvalidParams, message: formatZodError(parsed.error) });
    if (!this.experimentalApi) {
      const reason = def.experimental ? methodName : def.experimentalUse?.(parsed.data);
      if (reason) return this.sendError(id, invalidRequest(`${reason} requires experimentalApi capability`).toBody());
    }
    if (this.inFlight >= MAX_IN_FLIGHT) return this.sendError(id, overloaded().toBody());
    this.inFlight++;
    try {
      const result = await def.handler(parsed.data, { subscriber: this, experimentalApi: this.experimentalApi, services: this.services });
      this.sendResult(id, result ?? {});
    } catch (err) {
      const domain = asRpcError(err);
      if (domain) this.sendError(id, domain.toBody());
      else {
        log.error(`${methodName} failed`, err);
        this.sendError(id, { code: ErrorCode.InternalError, message: 'Internal error' });
      }
    } finally {
      this.inFlight--;
    }
  }

  notify(notification: ServerNotification): void {
    if (!this.initialized || this.optOut.has(notification.method)) return;
    // The reference stamps every notification with its emission time. Built as text: no object
    // copy per message on the delta hot path.
    this.writeText(`{"method":${JSON.stringify(notification.method)},"params":${JSON.stringify(notification.params)},"emittedAtMs":${Date.now()}}`);
  }

  /** Sends a server→client request with the broker's id and resolves with the client's result. */
  request(id: RequestId, method: string, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pendingServerRequests.set(id, { resolve, reject });
      this.write({ id, method, params });
    });
  }

  private sendResult(id: RequestId, result: unknown): void {
    this.write({ id, result });
  }

  private sendError(id: RequestId | null, error: JsonRpcErrorBody): void {
    this.write({ id, error });
  }

  private write(message: object): void {
    this.writeText(JSON.stringify(message));
  }

  private writeText(text: string): void {
    if (this.closed) return;
    if (this.transport.bufferedBytes() > MAX_BUFFERED_BYTES) {
      // A hopelessly slow consumer is disconnected rather than buffered without bound (docs/architecture.md#bounded-everything).
      this.transport.close('consumer too slow');
      this.onClosed();
      return;
    }
    this.transport.send(text);
  }

  /** The transport went away: drop subscriptions; running turns go on (docs/protocol.md#thread-lifecycle). */
  onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const pending of this.pendingServerRequests.values()) pending.reject(invalidRequest('connection closed'));
    this.pendingServerRequests.clear();
    this.services.hub.removeConnection(this);
    this.services.threads.dropSubscriber(this);
    this.services.commandExec.dropConnection(this);
  }
}
