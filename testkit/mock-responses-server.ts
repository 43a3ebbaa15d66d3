/**
 * A scripted OpenAI Responses API on 127.0.0.1 (a real node:http server speaking SSE), for integration
 * tests, e2e, benchmarks and the offline demo. The replies are built with `sse` / `out` (./responses-sse.ts).
 *
 *   const server = await startMockResponsesServer();
 *   server.enqueue(sse.functionCall('shell_command', { command: 'printf hi', workdir: null, timeout_ms: 5000 }, 'call_1'),
 *                  sse.message('done', { deltas: 3 }));
 *   // config.toml: base_url = server.url  (…/v1; POST …/v1/responses), see mockProviderConfig()
 *   server.requests[1].body.input  // what the client sent on the 2nd request
 *   await server.close();
 *
 * Each POST to a path ending in `/responses` takes the next reply from the queue (a reply may also be a
 * function of the recorded request). With the queue empty the server answers `fallback` if given, else 400
 * with a message saying so, so an unexpected extra request fails fast instead of being retried. Other paths
 * get 404, except `GET …/models` when `models` is given (model/list's provider catalog).
 * `scripts/mock-provider.ts` (the offline demo) serves a stateless scripted conversation this way.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { JsonObject, Reply, SseChunk, SseReply } from './responses-sse';

export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/responses?api-version=1`. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (null if the body was not JSON; see rawBody). */
  body: JsonObject | null;
  rawBody: string;
  /** Date.now() when the request arrived. */
  receivedAt: number;
}

export type ReplyScript = Reply | ((req: RecordedRequest) => Reply | Promise<Reply>);

export interface MockResponsesServer {
  /** Base URL for config.toml's `base_url`, e.g. http://127.0.0.1:PORT/v1. */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Every /responses request, in arrival order. */
  requests: RecordedRequest[];
  /** Paths of all requests, including non-/responses ones. */
  allPaths: string[];
  enqueue(...replies: ReplyScript[]): void;
  /** Replies not yet consumed. */
  remaining(): number;
  /** Resolves once `count` /responses requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isRaw(chunk: SseChunk): chunk is { raw: string } {
  return typeof chunk.raw === 'string' && Object.keys(chunk).length === 1;
}

function encodeChunk(chunk: SseChunk, sequence: number): string {
  if (isRaw(chunk)) return chunk.raw;
  const event = { ...chunk, sequence_number: sequence };
  return `event: ${String(chunk.type)}\ndata: ${JSON.stringify(event)}\n\n`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Writes `text`; resolves once it reached the socket (`flushed`) or at least when the buffer has room. */
function write(res: ServerResponse, text: string, gone: Promise<void>, flushed: boolean): Promise<void> {
  if (res.destroyed || text.length === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const ok = res.write(text, () => {
      if (flushed) resolve();
    });
    if (!flushed) {
      if (ok) resolve();
      else void Promise.race([new Promise<void>((r) => res.once('drain', () => r())), gone]).then(() => resolve());
    }
  });
}

const BATCH_CHARS = 64 * 1024;

/**
 * Sends the chunks, coalescing consecutive ones into writes of up to 64 KiB (so a 20,000-delta reply is
 * not 20,000 syscalls), yielding to the event loop after each so the client gets them as they are made; a
 * delay, gate, hang or drop point flushes first, so the client has seen exactly the chunks before it.
 */
async function sendSse(res: ServerResponse, reply: SseReply): Promise<void> {
  const gone = new Promise<void>((resolve) => res.on('close', () => resolve()));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...reply.headers });
  res.flushHeaders();
  let pending = '';
  const flush = async (untilSent: boolean): Promise<void> => {
    const text = pending;
    pending = '';
    await write(res, text, gone, untilSent);
  };
  for (let i = 0; i <= reply.events.length; i += 1) {
    if (res.destroyed) return;
    if (reply.dropAfter === i) {
      await flush(true);
      res.socket?.destroy();
      return;
    }
    if (reply.gate && reply.gate.afterEvents === i) {
      await flush(false);
      await Promise.race([reply.gate.wait, gone]);
    }
    if (reply.hangAfter === i) {
      await flush(false);
      await gone;
      return;
    }
    if (i === reply.events.length) break;
    if (reply.delayMs) {
      await flush(false);
      await Promise.race([sleep(reply.delayMs), gone]);
      if (res.destroyed) return;
    }
    pending += encodeChunk(reply.events[i]!, i);
    if (pending.length >= BATCH_CHARS) {
      await flush(false);
      // Let the event loop run: Node sends a chunked response's writes on the next tick, so without this
      // a long reply is encoded and buffered whole before its first byte leaves (the client waits for all).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  await flush(false);
  res.end();
}

export interface MockResponsesServerOptions {
  replies?: ReplyScript[];
  basePath?: string;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** Answers every request that finds the queue empty (instead of the 400), e.g. a stateless scripted conversation. */
  fallback?: ReplyScript;
  /** The JSON body `GET <basePath>/models` answers with (e.g. `{object: 'list', data: [{id: 'm1'}]}`); absent: 404. */
  models?: unknown;
}

export function startMockResponsesServer(opts: MockResponsesServerOptions = {}): Promise<MockResponsesServer> {
  const basePath = (opts.basePath ?? '/v1').replace(/\/+$/, '');
  const queue: ReplyScript[] = [...(opts.replies ?? [])];
  const requests: RecordedRequest[] = [];
  const allPaths: string[] = [];
  const waiters: Array<{ count: number; resolve: (r: RecordedRequest[]) => void }> = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    allPaths.push(`${req.method} ${url.pathname}`);
    const rawBody = await readBody(req);
    if (req.method === 'GET' && url.pathname === `${basePath}/models` && opts.models !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(opts.models));
      return;
    }
    if (req.method !== 'POST' || !url.pathname.endsWith('/responses')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`mock responses server: no route for ${req.method} ${url.pathname}`);
      return;
    }
    let body: JsonObject | null = null;
    try {
      const parsed = JSON.parse(rawBody) as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) body = parsed as JsonObject;
    } catch {
      body = null;
    }
    const recorded: RecordedRequest = {
      method: req.method,
      url: req.url ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      rawBody,
      receivedAt: Date.now(),
    };
    requests.push(recorded);
    for (const w of waiters.filter((w) => requests.length >= w.count)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(requests.slice());
    }
    const script = queue.shift() ?? opts.fallback;
    if (!script) {
      const msg = `mock responses server: no scripted reply left for request #${requests.length}`;
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'mock_script_exhausted', message: msg, type: 'invalid_request_error' } }));
      return;
    }
    const reply = typeof script === 'function' ? await script(recorded) : script;
    if (reply.kind === 'http') {
      res.writeHead(reply.status, reply.headers).end(reply.body);
      return;
    }
    await sendSse(res, reply);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`mock responses server error: ${String(err)}`);
      else res.destroy();
    });
  });

  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      if (typeof addr !== 'object' || !addr) return reject(new Error('mock responses server has no address'));
      const origin = `http://127.0.0.1:${addr.port}`;
      resolve({
        url: `${origin}${basePath}`,
        origin,
        requests,
        allPaths,
        enqueue: (...replies) => {
          queue.push(...replies);
        },
        remaining: () => queue.length,
        waitForRequests: (count, timeoutMs = 10_000) => {
          if (requests.length >= count) return Promise.resolve(requests.slice());
          return new Promise((res, rej) => {
            const waiter = {
              count,
              resolve: (r: RecordedRequest[]) => {
                clearTimeout(timer);
                res(r);
              },
            };
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(waiter), 1);
              rej(new Error(`mock responses server: expected ${count} requests within ${timeoutMs} ms, got ${requests.length}`));
            }, timeoutMs);
            waiters.push(waiter);
          });
        },
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}
