// A WebSocket relay between a client under test (the Codex TUI) and our server, recording every JSON-RPC frame both
// ways, so a test can list the methods the client called and what each got back.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export interface RelayedCall {
  method: string;
  /** null: answered with a result; else the error code. */
  errorCode: number | null;
  errorMessage: string | null;
}

export interface WsRelay {
  url: string;
  /** Requests the client sent that got an answer, in order. */
  calls(): RelayedCall[];
  close(): Promise<void>;
}

interface Frame {
  id?: string | number | null;
  method?: string;
  error?: { code: number; message: string };
}

function parse(data: WebSocket.RawData): Frame | null {
  try {
    const v: unknown = JSON.parse(data.toString());
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Frame) : null;
  } catch {
    return null;
  }
}

export async function startWsRelay(target: string): Promise<WsRelay> {
  const http: Server = createServer();
  const wss = new WebSocketServer({ server: http });
  const pending = new Map<string, string>();
  const calls: RelayedCall[] = [];
  wss.on('connection', (client, req) => {
    const headers: Record<string, string> = {};
    if (req.headers.authorization) headers.authorization = req.headers.authorization;
    const upstream = new WebSocket(target, { headers });
    const queued: WebSocket.RawData[] = [];
    upstream.on('open', () => {
      for (const m of queued.splice(0)) upstream.send(m.toString());
    });
    client.on('message', (data) => {
      const f = parse(data);
      if (f?.method && f.id !== undefined && f.id !== null) pending.set(String(f.id), f.method);
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data.toString());
      else queued.push(data);
    });
    upstream.on('message', (data) => {
      const f = parse(data);
      if (f && !f.method && f.id !== undefined && f.id !== null && pending.has(String(f.id))) {
        calls.push({ method: pending.get(String(f.id))!, errorCode: f.error?.code ?? null, errorMessage: f.error?.message ?? null });
        pending.delete(String(f.id));
      }
      if (client.readyState === WebSocket.OPEN) client.send(data.toString());
    });
    const closeBoth = () => {
      client.close();
      upstream.close();
    };
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    calls: () => [...calls],
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** One line per method: how often it was called and what it got ("ok", or the error codes). */
export function summarizeCalls(calls: readonly RelayedCall[]): string[] {
  const by = new Map<string, { n: number; errors: Set<string> }>();
  for (const c of calls) {
    const e = by.get(c.method) ?? { n: 0, errors: new Set<string>() };
    e.n++;
    if (c.errorCode !== null) e.errors.add(`${c.errorCode} ${c.errorMessage ?? ''}`.trim());
    by.set(c.method, e);
  }
  return [...by.entries()].map(([m, e]) => `${m} ×${e.n}: ${e.errors.size === 0 ? 'ok' : [...e.errors].join('; ')}`);
}
