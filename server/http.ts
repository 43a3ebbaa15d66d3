import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { originAllowed, pathOf, reject } from './http-common';
import { attachRpcSocket, WS_HARD_MAX_PAYLOAD } from './rpc/ws';
import type { Services } from './services/services';
import { appRouter } from './trpc/router';

export interface NextHandlers {
  request: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;
}

/** `serve`: one HTTP server; our paths first, everything else to Next (architecture.md). */
export function createAppServer(services: Services, next: NextHandlers, isReady: () => boolean): Server {
  const trpcHttp = createHTTPHandler({ router: appRouter, createContext: () => ({ services }), basePath: '/api/trpc/' });
  const trpcWss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const trpcHandler = applyWSSHandler({ wss: trpcWss, router: appRouter, createContext: () => ({ services }) });
  const rpcWss = new WebSocketServer({ noServer: true, maxPayload: WS_HARD_MAX_PAYLOAD });
  rpcWss.on('connection', (socket) => attachRpcSocket(services, socket));

  const server = createServer((req, res) => {
    const p = pathOf(req);
    if (p === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (p === '/readyz') return void res.writeHead(isReady() ? 200 : 503, { 'content-type': 'text/plain' }).end(isReady() ? 'ready' : 'starting');
    if (p === '/api/trpc' || p.startsWith('/api/trpc/')) return trpcHttp(req, res);
    if (p === '/rpc') return void res.writeHead(426, { 'content-type': 'text/plain' }).end('/rpc speaks JSON-RPC over WebSocket');
    next.request(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end('internal error');
    });
  });

  server.on('upgrade', (req, socket, head) => {
    const p = pathOf(req);
    if (p === '/rpc' || p === '/api/trpc' || p.startsWith('/api/trpc/')) {
      if (!originAllowed(req)) return reject(socket, 403, 'Forbidden');
      const wss = p === '/rpc' ? rpcWss : trpcWss;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return;
    }
    if (next.upgrade) return void next.upgrade(req, socket, head).catch(() => socket.destroy());
    socket.destroy();
  });

  server.on('close', () => {
    trpcHandler.broadcastReconnectNotification();
    trpcWss.close();
    rpcWss.close();
  });
  return server;
}

