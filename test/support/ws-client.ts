import WebSocket from 'ws';
import { READ_TIMEOUT_MS, RpcClient } from './rpc-client';
import { freePort } from './ports';
import { ServerProcess, type SpawnOptions } from './server-process';

/** The upgrade was refused with an HTTP status instead of 101. */
export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`websocket upgrade refused with HTTP ${status}`);
  }
}

/** A client on one WebSocket: one JSON-RPC message per text frame. */
export class WsClient extends RpcClient {
  constructor(
    readonly socket: WebSocket,
    private readonly server?: ServerProcess,
  ) {
    super();
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.markClosed('unexpected binary frame');
      this.acceptText(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    });
    socket.on('close', (code, reason) => this.markClosed(`websocket closed ${code} ${reason.toString()}`));
    socket.on('error', (err) => this.markClosed(`websocket error ${err.message}`));
  }

  protected sendText(text: string): void {
    this.socket.send(text);
  }

  protected context(): string {
    return this.server?.stderrTail() ?? '';
  }

  close(): void {
    this.socket.close();
  }
}

export function connectWs(url: string, opts: { headers?: Record<string, string>; server?: ServerProcess } = {}): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers: opts.headers, handshakeTimeout: READ_TIMEOUT_MS });
    socket.once('open', () => resolve(new WsClient(socket, opts.server)));
    socket.once('unexpected-response', (_req, res) => {
      res.resume();
      socket.terminate();
      reject(new HandshakeRefused(res.statusCode ?? 0));
    });
    socket.once('error', reject);
  });
}

export interface WsServer {
  server: ServerProcess;
  port: number;
  /** ws://127.0.0.1:PORT — where a local client connects (also for a 0.0.0.0 listener). */
  url: string;
  connect(headers?: Record<string, string>): Promise<WsClient>;
}

/**
 * Spawns `app-server --listen ws://HOST:PORT` and waits for its "listening" log line, so the
 * first connect cannot race the bind. A port taken between probe and bind is retried.
 */
export async function startWsServer(opts: SpawnOptions & { host?: string }): Promise<WsServer> {
  const host = opts.host ?? '127.0.0.1';
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const server = new ServerProcess({ ...opts, args: ['--listen', `ws://${host}:${port}`, ...(opts.args ?? [])] });
    try {
      await server.waitForStderr(/listening on ws:\/\//);
    } catch (err) {
      if (attempt < 3 && /EADDRINUSE/.test(server.stderr)) continue;
      await server.kill();
      throw err;
    }
    const url = `ws://127.0.0.1:${port}`;
    return { server, port, url, connect: (headers) => connectWs(url, { headers, server }) };
  }
}
