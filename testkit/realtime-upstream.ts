/**
 * Fake OpenAI realtime upstreams on 127.0.0.1, speaking the real formats (docs/realtime.md#transports):
 *
 *   const ws = await startRealtimeWsServer([{ batches: [[sessionUpdated('s')], [], [audioDelta('AQID')]] }]);
 *   // batch i is sent after the i-th inbound message (like the reference's own WebSocket test server);
 *   // `{ raw: 'not json' }` entries are sent verbatim.
 *   await ws.waitForRequest(0, 1)      // the 2nd JSON frame the broker sent on connection 0
 *   ws.handshakes[0].url               // e.g. /v1/realtime?call_id=rtc_e2e
 *
 *   const calls = await startRealtimeCallsServer({ forwardTo: mock.origin });
 *   // POST /v1/realtime/calls is captured and answered (SDP + Location, or a scripted error);
 *   // every other request is proxied to the mock Responses server, so one provider base_url serves both.
 *
 * `sessionUpdated`, `backgroundAgentCall` and `audioDelta` build the frames an upstream script sends.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { READ_TIMEOUT_MS } from './timeouts';

export type ScriptedFrame = Record<string, unknown> | { raw: string };

export const sessionUpdated = (id: string) => ({ type: 'session.updated', session: { id, instructions: 'backend prompt' } });

export const backgroundAgentCall = (callId: string, prompt: string) => ({
  type: 'conversation.item.done',
  item: { id: `item_${callId}`, type: 'function_call', name: 'background_agent', call_id: callId, arguments: JSON.stringify({ prompt }) },
});

export const audioDelta = (delta: string, samplesPerChannel = 512) => ({
  type: 'response.output_audio.delta',
  delta,
  sample_rate: 24000,
  channels: 1,
  samples_per_channel: samplesPerChannel,
});

export interface ConnectionScript {
  /** Batch i is sent right after the i-th inbound message. */
  batches: ScriptedFrame[][];
  /** Close the socket once every batch is sent (default true, like the reference's test helper). */
  closeAfterRequests?: boolean;
}

export interface RecordedFrame {
  text: string;
  json: Record<string, unknown>;
  receivedAt: number;
}

export interface Handshake {
  url: string;
  headers: IncomingHttpHeaders;
}

export interface RealtimeWsServer {
  /** ws://127.0.0.1:PORT (what config's experimental_realtime_ws_base_url gets). */
  uri: string;
  handshakes: Handshake[];
  connections: RecordedFrame[][];
  waitForRequest(connection: number, index: number, timeoutMs?: number): Promise<Record<string, unknown>>;
  waitForConnection(index: number, timeoutMs?: number): Promise<void>;
  /** Sends a frame on a live connection (bench, ad-hoc tests). */
  send(connection: number, frame: ScriptedFrame): void;
  /** Called for every inbound text frame. */
  onMessage: ((connection: number, text: string, receivedAt: number) => void) | null;
  /** Closes one connection from the server side. */
  closeConnection(connection: number): void;
  /** How each connection ended (null while open). */
  closes: ({ code: number; reason: string } | null)[];
  waitForClose(connection: number, timeoutMs?: number): Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

const encode = (frame: ScriptedFrame) => ('raw' in frame && typeof frame.raw === 'string' && Object.keys(frame).length === 1 ? frame.raw : JSON.stringify(frame));

function waitFor(check: () => boolean, describe: () => string, wakeups: (() => void)[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => {
      wakeups.splice(wakeups.indexOf(poll), 1);
      reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`));
    }, timeoutMs);
    function poll() {
      if (!check()) return;
      clearTimeout(timer);
      wakeups.splice(wakeups.indexOf(poll), 1);
      resolve();
    }
    wakeups.push(poll);
  });
}

export function startRealtimeWsServer(scripts: ConnectionScript[]): Promise<RealtimeWsServer> {
  const queue = [...scripts];
  const sockets: WebSocket[] = [];
  const wakeups: (() => void)[] = [];
  const wake = () => [...wakeups].forEach((f) => f());
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const server: RealtimeWsServer = {
    uri: '',
    handshakes: [],
    connections: [],
    onMessage: null,
    waitForRequest: async (connection, index, timeoutMs = READ_TIMEOUT_MS) => {
      await waitFor(
        () => (server.connections[connection]?.length ?? 0) > index,
        () => `fake realtime upstream: no request #${index} on connection ${connection}; got ${JSON.stringify(server.connections.map((c) => c.map((f) => f.json.type)))}`,
        wakeups,
        timeoutMs,
      );
      return server.connections[connection]![index]!.json;
    },
    waitForConnection: (index, timeoutMs = READ_TIMEOUT_MS) =>
      waitFor(() => server.handshakes.length > index, () => `fake realtime upstream: no connection #${index}`, wakeups, timeoutMs),
    closes: [],
    waitForClose: async (connection, timeoutMs = READ_TIMEOUT_MS) => {
      await waitFor(() => (server.closes[connection] ?? null) !== null, () => `fake realtime upstream: connection ${connection} still open`, wakeups, timeoutMs);
      return server.closes[connection]!;
    },
    send: (connection, frame) => sockets[connection]!.send(encode(frame)),
    closeConnection: (connection) => sockets[connection]!.close(1000, 'server closed'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (socket, req) => {
    const index = sockets.length;
    const script = queue.shift() ?? { batches: [] };
    const log: RecordedFrame[] = [];
    let closing = false;
    sockets.push(socket);
    server.connections.push(log);
    server.handshakes.push({ url: req.url ?? '', headers: req.headers });
    server.closes.push(null);
    socket.on('close', (code, reason) => {
      server.closes[index] = { code, reason: reason.toString() };
      wake();
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary || closing) return;
      const receivedAt = performance.now();
      const text = data.toString();
      server.onMessage?.(index, text, receivedAt);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { unparsable: text };
      }
      log.push({ text, json, receivedAt });
      const batch = script.batches[log.length - 1];
      if (batch) for (const frame of batch) socket.send(encode(frame));
      if (log.length === script.batches.length && (script.closeAfterRequests ?? true)) {
        closing = true;
        socket.close(1000, 'script done');
      }
      wake();
    });
    socket.on('error', () => {});
    wake();
  });
  return new Promise((resolve, reject) => {
    wss.once('error', reject);
    wss.once('listening', () => {
      const addr = wss.address();
      if (typeof addr !== 'object' || addr === null) return reject(new Error('fake realtime upstream has no address'));
      server.uri = `ws://127.0.0.1:${addr.port}`;
      resolve(server);
    });
  });
}

export interface CallReply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface CapturedCall {
  method: string;
  path: string;
  /** The raw query string without "?", or null when there was none. */
  query: string | null;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

export interface RealtimeCallsServer {
  /** Provider base_url: http://127.0.0.1:PORT/v1 */
  url: string;
  origin: string;
  calls: CapturedCall[];
  /** The reply to the next call-create requests (default: 200, Location …/rtc_e2e, body v=answer\r\n). */
  reply: CallReply;
  close(): Promise<void>;
}

export const defaultCallReply = (callId = 'rtc_e2e'): CallReply => ({
  status: 200,
  body: 'v=answer\r\n',
  headers: { location: `/v1/realtime/calls/${callId}`, 'content-type': 'application/sdp' },
});

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

export function startRealtimeCallsServer(opts: { forwardTo?: string; reply?: CallReply } = {}): Promise<RealtimeCallsServer> {
  const calls: CapturedCall[] = [];
  const state = { reply: opts.reply ?? defaultCallReply() };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/v1/realtime/calls') {
      void readBody(req).then((body) => {
        calls.push({ method: req.method!, path: url.pathname, query: url.search ? url.search.slice(1) : null, headers: req.headers, rawBody: body.toString('utf8') });
        res.writeHead(state.reply.status, state.reply.headers ?? {}).end(state.reply.body);
      });
      return;
    }
    if (!opts.forwardTo) {
      res.writeHead(404).end('fake realtime calls server: no route');
      return;
    }
    // Everything else (POST /v1/responses, streamed SSE included) goes to the mock Responses server.
    const target = new URL(req.url ?? '/', opts.forwardTo);
    const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (typeof addr !== 'object' || addr === null) return reject(new Error('fake calls server has no address'));
      const origin = `http://127.0.0.1:${addr.port}`;
      resolve({
        url: `${origin}/v1`,
        origin,
        calls,
        get reply() {
          return state.reply;
        },
        set reply(r: CallReply) {
          state.reply = r;
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
