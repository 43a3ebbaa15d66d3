import WebSocket from 'ws';

export const CONNECT_TIMEOUT_MS = 15_000;

export interface UpstreamHandlers {
  onText(text: string): void;
  onBinary(): void;
  /** The peer closed or the stream ended. */
  onClose(code: number, reason: string): void;
  /** A read/protocol error on an open socket (a close follows). */
  onError(err: Error): void;
}

/**
 * One upstream realtime WebSocket (standalone or sideband). Sends never wait on reads: `ws` queues
 * frames in the socket, and `bufferedAmount` lets the session drop audio instead of buffering without bound.
 */
export class UpstreamSocket {
  private handlers: UpstreamHandlers | null = null;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.handlers?.onBinary();
      this.handlers?.onText(typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    });
    ws.on('close', (code, reason) => this.handlers?.onClose(code, reason.toString('utf8')));
    ws.on('error', (err) => this.handlers?.onError(err));
  }

  /** Opens the socket; rejects with a readable message on refusal, a non-101 answer or timeout. */
  static connect(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<UpstreamSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS });
      const fail = (message: string) => {
        cleanup();
        ws.terminate();
        reject(new Error(message));
      };
      const onAbort = () => fail('realtime connection was cancelled');
      const onError = (err: Error) => fail(`failed to connect realtime websocket: ${err.message}`);
      const onUnexpected = (_req: unknown, res: { statusCode?: number; statusMessage?: string }) =>
        fail(`failed to connect realtime websocket: HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''}`.trim());
      const onOpen = () => {
        cleanup();
        resolve(new UpstreamSocket(ws));
      };
      const cleanup = () => {
        signal.removeEventListener('abort', onAbort);
        ws.off('error', onError);
        ws.off('unexpected-response', onUnexpected);
        ws.off('open', onOpen);
        // Errors after this point go to the session's handlers; never leave 'error' unhandled.
        ws.on('error', () => {});
      };
      if (signal.aborted) return fail('realtime connection was cancelled');
      signal.addEventListener('abort', onAbort, { once: true });
      ws.once('error', onError);
      ws.once('unexpected-response', onUnexpected);
      ws.once('open', onOpen);
    });
  }

  listen(handlers: UpstreamHandlers): void {
    this.handlers = handlers;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** Sends a text frame; `onFailed` hears about a write error on an open socket. */
  send(text: string, onFailed: (err: Error) => void): boolean {
    if (!this.isOpen) return false;
    this.ws.send(text, (err) => {
      if (err && this.isOpen) onFailed(err);
    });
    return true;
  }

  /** A normal close frame; the socket is torn down if the peer does not answer. */
  close(): void {
    this.handlers = null;
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close(1000, 'client closed');
    const ws = this.ws;
    setTimeout(() => ws.terminate(), 2000).unref();
  }
}
