import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://x').pathname;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function sameHost(url: string | undefined, req: IncomingMessage): boolean {
  if (!url || !req.headers.host) return false;
  try {
    return new URL(url).host === req.headers.host;
  } catch {
    return false;
  }
}

/**
 * Browsers always send Origin on WebSocket upgrades; refuse one from another site so a page
 * elsewhere cannot drive this server. Codex clients send no Origin and pass.
 */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  return sameHost(origin, req);
}

/**
 * A state-changing request the browser client made from our own page: a same-origin Origin (or,
 * when a browser leaves it out, Referer) and our custom header, which no cross-site form or
 * "simple" fetch can add without a CORS preflight we never grant.
 */
export function sameOriginWrite(req: IncomingMessage): boolean {
  if (req.headers['x-codex-web'] !== '1') return false;
  const origin = req.headers.origin;
  return origin !== undefined ? sameHost(origin, req) : sameHost(req.headers.referer, req);
}

/** `--no-auth` guard against DNS rebinding: the Host header must name a loopback address. */
export function hostHeaderIsLoopback(req: IncomingMessage): boolean {
  try {
    return isLoopback(new URL(`http://${req.headers.host ?? ''}`).hostname);
  } catch {
    return false;
  }
}

export function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
