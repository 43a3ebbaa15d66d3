import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://x').pathname;
}

/**
 * Browsers always send Origin on WebSocket upgrades; refuse one from another site so a page
 * elsewhere cannot drive this server. Codex clients send no Origin and pass.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
