import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RequestId } from './wire';

/**
 * Records every message a server sends to a test client, when CODEX_WEB_WIRE_LOG=<dir> is set (scripts/run-tests.mjs
 * sets it), so scripts/validate-wire.mjs can check each one against the reference's JSON schema afterwards.
 * One JSONL file per test process; each line is {kind, method, source, message}:
 * - `response` / `error`: `method` is the method of the request it answers (null if the client sent no such id);
 * - `notification` / `serverRequest`: `method` is the message's own;
 * - `other`: an object that is none of these (the validator counts it as invalid).
 */
export type WireKind = 'response' | 'error' | 'notification' | 'serverRequest' | 'other';

const dir = process.env.CODEX_WEB_WIRE_LOG || null;
const file = dir ? path.join(dir, `wire-${process.pid}.jsonl`) : null;
const source = path.basename(process.argv[1] ?? 'unknown');
const FLUSH_BYTES = 1 << 20;
let pending: string[] = [];
let pendingBytes = 0;

function flush(): void {
  if (!file || pending.length === 0) return;
  const text = pending.join('');
  pending = [];
  pendingBytes = 0;
  appendFileSync(file, text);
}

if (file) {
  mkdirSync(dir!, { recursive: true });
  process.on('exit', flush);
}

export const wireLogEnabled = file !== null;

/** The kind of an inbound message, as a JSON-RPC client sees it. */
export function wireKind(m: Record<string, unknown>): WireKind {
  if (typeof m.method === 'string') return m.id !== undefined && m.id !== null ? 'serverRequest' : 'notification';
  if ('error' in m) return 'error';
  if ('result' in m) return 'response';
  return 'other';
}

/** Remembers which method each outgoing request id named, so responses can be tagged with it. */
export class RequestMethods {
  private readonly byId = new Map<RequestId, string>();

  /** Called with every frame the client writes (also raw ones): requests are remembered, the rest ignored. */
  sent(text: string): void {
    if (!wireLogEnabled) return;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return;
    const { id, method } = v as { id?: unknown; method?: unknown };
    if (typeof method === 'string' && (typeof id === 'string' || typeof id === 'number')) this.byId.set(id, method);
  }

  methodOf(id: unknown): string | null {
    return typeof id === 'string' || typeof id === 'number' ? (this.byId.get(id) ?? null) : null;
  }
}

export function recordInbound(m: Record<string, unknown>, requests: RequestMethods): void {
  if (!file) return;
  const kind = wireKind(m);
  const method = kind === 'response' || kind === 'error' ? requests.methodOf(m.id) : kind === 'other' ? null : (m.method as string);
  const line = JSON.stringify({ kind, method, source, message: m }) + '\n';
  pending.push(line);
  pendingBytes += line.length;
  if (pendingBytes >= FLUSH_BYTES) flush();
}
