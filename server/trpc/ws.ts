import type { WebSocket } from 'ws';
import { log } from '../util/log';

/** Bytes a browser socket may hold unsent before it is dropped; the same bound /rpc uses. */
export const TRPC_WS_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export const SLOW_CONSUMER_REASON = 'consumer too slow';

/**
 * tRPC's WebSocket adapter sends without looking at back-pressure, so a tab that stops reading would
 * hold every later event in memory. Past the bound the socket is closed with 1008 instead (convention
 * 5); the browser's client reconnects and resumes from its last event id (a ring replay or a snapshot).
 * Once closing, nothing more is queued behind the close frame.
 */
export function boundTrpcSocket(socket: WebSocket, maxBufferedBytes = TRPC_WS_MAX_BUFFERED_BYTES): void {
  const send = socket.send.bind(socket) as (...args: unknown[]) => void;
  socket.send = ((...args: unknown[]) => {
    if (socket.readyState !== socket.OPEN) return;
    const buffered = socket.bufferedAmount;
    if (buffered > maxBufferedBytes) {
      log.warn(`closing a tRPC WebSocket with ${buffered} bytes unsent (limit ${maxBufferedBytes}): ${SLOW_CONSUMER_REASON}`);
      socket.close(1008, SLOW_CONSUMER_REASON);
      return;
    }
    send(...args);
  }) as WebSocket['send'];
}
