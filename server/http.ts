import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { AccessControl } from './auth';
import { sendLoginPage, sendTrpcError } from './auth-page';
import { hostHeaderIsLoopback, originAllowed, pathOf, reject, sameOriginWrite } from './http-common';
import { attachRpcSocket, WS_HARD_MAX_PAYLOAD } from './rpc/ws';
import { preparePageRequest, setBaselineHeaders, type PagePolicy } from './security-headers';
import type { Services } from './services/services';
import { appRouter } from './trpc/router';
import { boundTrpcSocket } from './trpc/ws';

export interface NextHandlers {
  request: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>;
  /** next dev: its pages need 'unsafe-eval' in the CSP. */
  dev?: boolean;
}

const isTrpcPath = (p: string) => p === '/api/trpc' || p.startsWith('/api/trpc/');

/** A path that stays on this origin: `//evil.example/x` as a form action or link would leave it. */
const samePath = (pathname: string) => pathname.replace(/^\/+/, '/');

/** The request URL without its `token` parameter, as a same-origin path (never `//host`). */
function withoutToken(url: URL): string {
  const rest = new URLSearchParams(url.searchParams);
  rest.delete('token');
  const query = rest.toString();
  return `${samePath(url.pathname)}${query ? `?${query}` : ''}`;
}

/** `GET /any/page?token=…`: a valid token becomes the session cookie, then the same URL without it. */
function login(access: AccessControl, req: IncomingMessage, res: ServerResponse, url: URL, policy: PagePolicy): void {
  const target = withoutToken(url);
  if (!access.tokenMatches(url.searchParams.get('token') ?? '')) {
    return sendLoginPage(res, { badToken: true, pathname: samePath(url.pathname), retryUrl: target, frameAncestors: policy.frameAncestors });
  }
  res.writeHead(303, { location: target, 'set-cookie': access.sessionCookie(req), 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
}

/** `serve`: one HTTP server; our paths first, everything else to Next (docs/architecture.md#layers). */
export function createAppServer(services: Services, next: NextHandlers, isReady: () => boolean, access: AccessControl): Server {
  const trpcHttp = createHTTPHandler({ router: appRouter, createContext: () => ({ services }), basePath: '/api/trpc/' });
  const trpcWss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  // Before tRPC's own listener: every send of the adapter goes through the slow-consumer bound.
  trpcWss.on('connection', (socket) => boundTrpcSocket(socket));
  const trpcHandler = applyWSSHandler({ wss: trpcWss, router: appRouter, createContext: () => ({ services }) });
  const rpcWss = new WebSocketServer({ noServer: true, maxPayload: WS_HARD_MAX_PAYLOAD });
  rpcWss.on('connection', (socket) => attachRpcSocket(services, socket));
  const policy: PagePolicy = { frameAncestors: services.config.raw.web?.frame_ancestors ?? [], dev: next.dev ?? false };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const p = url.pathname;
    setBaselineHeaders(res, policy);
    if (p === '/healthz') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    if (p === '/readyz') return void res.writeHead(isReady() ? 200 : 503, { 'content-type': 'text/plain' }).end(isReady() ? 'ready' : 'starting');
    if (!access.enabled && !hostHeaderIsLoopback(req)) {
      return void res.writeHead(403, { 'content-type': 'text/plain' }).end('--no-auth serves loopback host names only');
    }
    const trpc = isTrpcPath(p);
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    if (access.enabled && !trpc && p !== '/rpc' && isRead && url.searchParams.has('token')) return login(access, req, res, url, policy);
    if (!access.authenticated(req)) {
      if (trpc) return sendTrpcError(res, 401, 'Not signed in: open the login link codex-web serve printed, or send "Authorization: Bearer <token>".');
      if (p === '/rpc') return void res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="codex-web"' }).end('Unauthorized');
      return sendLoginPage(res, { badToken: false, pathname: samePath(p), retryUrl: withoutToken(url), frameAncestors: policy.frameAncestors });
    }
    if (trpc) {
      if (!isRead && !sameOriginWrite(req)) return sendTrpcError(res, 403, 'Cross-site request refused: tRPC writes need a same-origin Origin and "x-codex-web: 1".');
      return trpcHttp(req, res);
    }
    if (p === '/rpc') return void res.writeHead(426, { 'content-type': 'text/plain' }).end('/rpc speaks JSON-RPC over WebSocket');
    preparePageRequest(req, res, policy);
    next.request(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end('internal error');
    });
  });

  // Next adds an 'upgrade' listener of its own to the server of the first request it handles: it would
  // run without the checks below and end every upgrade on a page path (`/` included: `codex --remote`).
  // It is taken off the server and called from ours, for the paths that are not ours, under --dev only (HMR).
  type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  const nextUpgradeListeners: UpgradeListener[] = [];
  // Every upgrade (ours and, under --dev, Next's HMR socket) needs auth first, then a same-origin Origin.
  const onUpgrade: UpgradeListener = (req, socket, head) => {
    if (!access.enabled && !hostHeaderIsLoopback(req)) return reject(socket, 403, 'Forbidden');
    if (!access.authenticated(req)) return reject(socket, 401, 'Unauthorized');
    if (!originAllowed(req)) return reject(socket, 403, 'Forbidden');
    const p = pathOf(req);
    // `/` is the protocol too: `codex --remote ws://host:port` takes no path. Same auth and Origin checks as /rpc.
    if (p === '/' || p === '/rpc' || isTrpcPath(p)) {
      const wss = isTrpcPath(p) ? trpcWss : rpcWss;
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return;
    }
    if (next.dev && nextUpgradeListeners.length > 0) {
      for (const listener of nextUpgradeListeners) listener.call(server, req, socket, head);
      return;
    }
    if (next.upgrade) return void next.upgrade(req, socket, head).catch(() => socket.destroy());
    socket.destroy();
  };
  server.on('upgrade', onUpgrade);
  server.on('newListener', (event: string | symbol, listener: (...args: unknown[]) => void) => {
    if (event !== 'upgrade' || listener === onUpgrade) return;
    nextUpgradeListeners.push(listener as UpgradeListener);
    // 'newListener' fires before the listener is added; upgrades arrive on later ticks.
    process.nextTick(() => server.removeListener('upgrade', listener));
  });

  server.on('close', () => {
    trpcHandler.broadcastReconnectNotification();
    trpcWss.close();
    rpcWss.close();
  });
  return server;
}
