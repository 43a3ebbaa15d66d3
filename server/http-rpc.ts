import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { WebSocketServer } from 'ws';
import { hostHeaderIsLoopback, originAllowed, pathOf, reject } from './http-common';
import { attachRpcSocket, WS_HARD_MAX_PAYLOAD } from './rpc/ws';
import type { Services } from './services/services';

function bearerMatches(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const got = Buffer.from(header ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** `app-server --listen ws://IP:PORT`: the protocol alone, on any path (clients such as the TUI use the root). */
export function createRpcListener(services: Services, token: string | null): Server {
  const wss = new WebSocketServer({ noServer: true, maxPayload: WS_HARD_MAX_PAYLOAD });
  wss.on('connection', (socket) => attachRpcSocket(services, socket));
  const server = createServer((req, res) => {
    const p = pathOf(req);
    if (p === '/healthz' || p === '/readyz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    res.writeHead(426, { 'content-type': 'text/plain' }).end('this endpoint speaks JSON-RPC over WebSocket');
  });
  server.on('upgrade', (req, socket, head) => {
    if (token !== null && !bearerMatches(req.headers.authorization, token)) return reject(socket, 401, 'Unauthorized');
    // Without a token only loopback may connect: a DNS-rebound page would otherwise pass the same-origin check.
    if (token === null && !hostHeaderIsLoopback(req)) return reject(socket, 403, 'Forbidden');
    if (!originAllowed(req)) return reject(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  server.on('close', () => wss.close());
  return server;
}
