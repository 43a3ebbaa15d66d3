import type { WebSocket } from 'ws';
import type { Services } from '../services/services';
import { RpcConnection } from './connection';
import { methods } from './methods';

/** Frames above this close the socket (ws 1009); between 10 MiB and this, we answer -32600 and go on. */
export const WS_HARD_MAX_PAYLOAD = 64 * 1024 * 1024;

/** One WebSocket = one JSON-RPC session with its own handshake and request ids (docs/protocol.md#transports). */
export function attachRpcSocket(services: Services, socket: WebSocket): RpcConnection {
  const conn = new RpcConnection(services, methods, {
    send: (text) => socket.send(text),
    bufferedBytes: () => socket.bufferedAmount,
    close: (reason) => socket.close(1008, reason),
  });
  socket.on('message', (data, isBinary) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    conn.handleFrame(isBinary ? buf.toString('utf8') : buf.toString('utf8'), buf.length);
  });
  socket.on('close', () => conn.onClosed());
  socket.on('error', () => conn.onClosed());
  return conn;
}
