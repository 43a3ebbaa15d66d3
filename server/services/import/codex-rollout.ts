// One Codex rollout line (`$CODEX_HOME/sessions/**/rollout-*.jsonl`) turned into our rollout records and thread
// metadata (docs/architecture.md#importing-codex-history). A pure function of (state, line): the importer keeps
// the state between calls and stores it with its offset, so a rollout that grew continues where it stopped.
import { z } from 'zod';
import type { GitInfo } from '../../protocol/thread';
import type { ThreadItem, Turn } from '../../protocol/turn';
import type { RolloutRecord } from '../threads/handle';
import type { ThreadSettings } from '../threads/settings';

/** What the parser remembers between lines (JSON, stored in imported_rollouts.state). */
export interface ParserState {
  threadId: string | null;
  meta: ThreadMeta | null;
  settings: ThreadSettings | null;
  /** The open turn: its id and start (Unix seconds), and a failure reported in it. */
  turn: { id: string; startedAt: number | null; error: string | null } | null;
  /** Turns seen so far (ids of turns without one of their own are derived from it). */
  turns: number;
  /** Whether this rollout records items (0.169 `item_completed`); older ones only have `user_message`/`agent_message`. */
  itemEvents: boolean;
  legacyItems: number;
  name: string | null;
  /**
   * The Codex-side name (session_index.jsonl, else the rollout's own) last written to our thread: only a
   * different one is written again, so a rename made here is kept until the thread is renamed in Codex.
   * Absent in states stored before it existed.
   */
  appliedName?: string | null;
  /** Latest line timestamp (ms). */
  lastAt: number;
}

export interface ThreadMeta {
  id: string;
  cwd: string;
  model: string;
  modelProvider: string;
  source: string;
  cliVersion: string;
  gitInfo: GitInfo | null;
  createdAt: number;
  preview: string;
}

export const initialState = (): ParserState => ({ threadId: null, meta: null, settings: null, turn: null, turns: 0, itemEvents: false, legacyItems: 0, name: null, appliedName: null, lastAt: 0 });

/**
 * A record as the importer stores it. `payloadJson`: the payload's JSON exactly as the line held it, when the
 * stored payload is that value unchanged (a response item none of whose keys were dropped), so it is stored
 * without being serialized again. Its text may hold a duplicate key (JSON.parse, like the rest of our code, reads
 * the last; SQLite's JSON functions the first): response-item payloads are read by our code alone, never by SQL
 * JSON functions (the index triggers read event records, which we always serialize ourselves).
 */
export type ImportedRecord = RolloutRecord & { payloadJson?: string };

export type LineResult = { ok: true; records: ImportedRecord[] } | { ok: false; reason: string };

const line = z.object({ timestamp: z.string().optional(), type: z.string(), payload: z.unknown() });
/**
 * How Codex writes every line: `{"timestamp":"…","type":"…","payload":…}`, in that order, compact. When a line
 * starts so, its payload text is the rest but the closing brace; if that rest parses as one JSON value, the line
 * is exactly those three keys (no trailing or duplicate one) and the payload's own text is known. A timestamp
 * holding a control character (which JSON forbids raw) is not that shape: the line is parsed whole, and refused.
 */
const CODEX_LINE = /^\{"timestamp":"([^"\\\p{Cc}]*)","type":"([a-z_]+)","payload":/u;

/** The line as `{timestamp, type, payload}` and its payload's text when it has Codex's exact shape, else parsed whole. */
function parseLine(text: string): { raw: unknown; payloadText: string | null } {
  const m = CODEX_LINE.exec(text);
  if (m && text.endsWith('}')) {
    const payloadText = text.slice(m[0].length, -1);
    try {
      return { raw: { timestamp: m[1], type: m[2], payload: JSON.parse(payloadText) as unknown }, payloadText };
    } catch {
      // not that shape after all (a key after the payload, say): parsed whole below
    }
  }
  return { raw: JSON.parse(text) as unknown, payloadText: null };
}
/**
 * Deeper than this, a response item is refused: Codex itself reads rollouts with serde_json, which stops at 128
 * levels, and our JSON.stringify (storing it, sending it to the model, forking it) overflows the stack at a few
 * thousand. Bounded recursion over containers only: a message's content or a tool output string costs nothing.
 */
const MAX_ITEM_DEPTH = 100;
const deeperThan = (v: unknown, depth: number): boolean => {
  if (v === null || typeof v !== 'object') return false;
  if (depth === 0) return true;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (deeperThan(x, depth - 1)) return true;
  return false;
};

/** A JSON object (what `z.record(z.string(), z.unknown())` accepts), checked without copying it: every line's payload goes through here. */
const asObject = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Codex's SessionSource as our stored source: cli, vscode, exec, or subAgent*; anything else unknown. */
function sourceOf(v: unknown): string {
  if (typeof v === 'string') return ['cli', 'vscode', 'exec'].includes(v) ? v : v === 'mcp' ? 'appServer' : 'unknown';
  if (v && typeof v === 'object' && 'subagent' in v) return 'subAgent';
  return 'unknown';
}

function gitOf(v: unknown): GitInfo | null {
  const g = asObject(v);
  if (!g) return null;
  return { sha: str(g.commit_hash), branch: str(g.branch), originUrl: str(g.repository_url) };
}

const SANDBOX_MODES: Record<string, ThreadSettings['sandbox']> = {
  'read-only': 'read-only',
  'workspace-write': 'workspace-write',
  'danger-full-access': 'danger-full-access',
};

/** Keys of a response item the Responses API knows; Codex's bookkeeping (`internal_*`, `metadata`) is dropped. */
const RESPONSE_ITEM_KEYS = new Set(['type', 'id', 'role', 'content', 'status', 'name', 'namespace', 'arguments', 'call_id', 'output', 'summary', 'encrypted_content', 'input', 'action', 'result']);

/** The item as stored, and whether it kept every key of the line's payload (then it is that payload, unchanged). */
function responseItem(p: Record<string, unknown>): { item: Record<string, unknown>; whole: boolean } | null {
  // Codex's own instructions (developer / system messages) are its harness, not the conversation.
  if (p.type === 'message' && p.role !== 'user' && p.role !== 'assistant') return null;
  const out: Record<string, unknown> = {};
  let whole = true;
  for (const [k, v] of Object.entries(p)) {
    if (RESPONSE_ITEM_KEYS.has(k)) out[k] = v;
    else whole = false;
  }
  return { item: out, whole };
}

/** A 0.169 `item_completed` item as our ThreadItem (the kinds the reference shows in thread/read). */
function itemOf(v: unknown): ThreadItem | null {
  const i = asObject(v);
  if (!i) return null;
  const id = str(i.id);
  if (!id) return null;
  const parts = Array.isArray(i.content) ? i.content.flatMap((c: unknown): Record<string, unknown>[] => { const o = asObject(c); return o ? [o] : []; }) : [];
  if (i.type === 'UserMessage') {
    const content: Extract<ThreadItem, { type: 'userMessage' }>['content'] = [];
    for (const c of parts) {
      if (c.type === 'text' && typeof c.text === 'string') content.push({ type: 'text', text: c.text });
      else if (c.type === 'image' && typeof c.image_url === 'string') content.push({ type: 'image', url: c.image_url });
      else if (c.type === 'image' && typeof c.url === 'string') content.push({ type: 'image', url: c.url });
      else if (c.type === 'local_image' && typeof c.path === 'string') content.push({ type: 'localImage', path: c.path });
    }
    return { type: 'userMessage', id, content };
  }
  if (i.type === 'AgentMessage') {
    const text = parts.map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
    return { type: 'agentMessage', id, text };
  }
  return null;
}

const secondsOf = (ms: number) => Math.floor(ms / 1000);

function openTurn(state: ParserState, id: string | null, startedAt: number | null, at: number): RolloutRecord[] {
  const out: RolloutRecord[] = [];
  // A turn left open by a crash is closed as interrupted, as the reference shows it.
  if (state.turn) out.push(...closeTurn(state, 'interrupted', null, null, at));
  state.turns++;
  const turnId = id ?? `${state.threadId ?? 'thread'}-turn-${state.turns}`;
  state.turn = { id: turnId, startedAt: startedAt ?? secondsOf(at), error: null };
  const turn: Turn = { id: turnId, items: [], status: 'inProgress', error: null, startedAt: state.turn.startedAt, completedAt: null, durationMs: null };
  out.push({ kind: 'event', type: 'turn_started', turnId, payload: { turn } });
  return out;
}

function closeTurn(state: ParserState, status: Turn['status'], completedAt: number | null, durationMs: number | null, at: number): RolloutRecord[] {
  const t = state.turn;
  if (!t) return [];
  state.turn = null;
  const failed = status === 'completed' && t.error !== null;
  const turn: Turn = {
    id: t.id,
    items: [],
    status: failed ? 'failed' : status,
    error: failed ? { message: t.error!, codexErrorInfo: null, additionalDetails: null } : null,
    startedAt: t.startedAt,
    completedAt: completedAt ?? secondsOf(at),
    durationMs,
  };
  return [{ kind: 'event', type: 'turn_completed', turnId: t.id, payload: { turn } }];
}

function itemRecord(state: ParserState, item: ThreadItem, at: number, startedAtMs: number | null, completedAtMs: number | null): RolloutRecord[] {
  const out: RolloutRecord[] = [];
  if (!state.turn) out.push(...openTurn(state, null, null, at));
  const turnId = state.turn!.id;
  if (item.type === 'userMessage' && state.meta && state.meta.preview === '') {
    state.meta.preview = item.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n').trim().slice(0, 2000);
  }
  out.push({ kind: 'event', type: 'item_completed', turnId, payload: { turnId, item, startedAtMs: startedAtMs ?? at, completedAtMs: completedAtMs ?? at } });
  return out;
}

function settingsRecord(state: ParserState, next: ThreadSettings): RolloutRecord[] {
  if (state.settings && JSON.stringify(state.settings) === JSON.stringify(next)) return [];
  state.settings = next;
  return [{ kind: 'event', type: 'session_meta', turnId: null, payload: next }];
}

/** Applies one line; malformed input is `{ok: false}` and changes nothing. */
export function applyLine(state: ParserState, text: string): LineResult {
  let raw: unknown;
  let payloadText: string | null;
  try {
    ({ raw, payloadText } = parseLine(text));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = line.safeParse(raw);
  if (!parsed.success) return { ok: false, reason: 'not a rollout line' };
  const { type } = parsed.data;
  const at = parsed.data.timestamp ? Date.parse(parsed.data.timestamp) : NaN;
  const when = Number.isFinite(at) ? at : state.lastAt;
  const payload = asObject(parsed.data.payload);
  if (!payload) return { ok: false, reason: `${type} without a payload object` };
  if (type === 'response_item' && deeperThan(payload, MAX_ITEM_DEPTH)) return { ok: false, reason: `response_item nested over ${MAX_ITEM_DEPTH} levels deep` };

  if (type === 'session_meta') {
    if (state.meta) return { ok: true, records: [] }; // a fork's copied meta lines: the first one is the thread
    const id = str(payload.id);
    if (!id) return { ok: false, reason: 'session_meta without an id' };
    const createdAt = Date.parse(str(payload.timestamp) ?? '') || when;
    state.threadId = id;
    state.lastAt = Math.max(state.lastAt, createdAt);
    state.meta = {
      id,
      cwd: str(payload.cwd) ?? '/',
      model: '',
      modelProvider: str(payload.model_provider) ?? 'openai',
      source: sourceOf(payload.source),
      cliVersion: str(payload.cli_version) ?? '',
      gitInfo: gitOf(payload.git),
      createdAt,
      preview: '',
    };
    return { ok: true, records: [] };
  }
  if (!state.meta) return { ok: false, reason: `${type} before session_meta` };
  if (Number.isFinite(at)) state.lastAt = Math.max(state.lastAt, at);

  switch (type) {
    case 'turn_context': {
      const model = str(payload.model);
      if (model) state.meta.model = model;
      const sandbox = asObject(payload.sandbox_policy);
      const mode = sandbox ? SANDBOX_MODES[String(sandbox.type ?? sandbox.mode)] : undefined;
      const approval = str(payload.approval_policy);
      return {
        ok: true,
        records: settingsRecord(state, {
          model: state.meta.model,
          modelProvider: state.meta.modelProvider,
          cwd: str(payload.cwd) ?? state.meta.cwd,
          approvalPolicy: approval === 'untrusted' || approval === 'on-request' || approval === 'never' ? approval : 'on-request',
          sandbox: mode ?? state.settings?.sandbox ?? 'read-only',
          reasoningEffort: null,
          baseInstructions: null,
          developerInstructions: null,
          dynamicTools: [],
        }),
      };
    }
    case 'response_item': {
      const r = responseItem(payload);
      if (!r) return { ok: true, records: [] };
      const record: ImportedRecord = { kind: 'response_item', type: String(r.item.type ?? 'unknown'), turnId: state.turn?.id ?? null, payload: r.item };
      if (r.whole && payloadText !== null) record.payloadJson = payloadText;
      return { ok: true, records: [record] };
    }
    case 'event_msg':
      return { ok: true, records: eventMsg(state, payload, when) };
    default:
      // compacted, world_state, token_usage_record, ...: nothing the thread shows.
      return { ok: true, records: [] };
  }
}

function eventMsg(state: ParserState, p: Record<string, unknown>, at: number): RolloutRecord[] {
  switch (p.type) {
    case 'task_started':
    case 'turn_started':
      return openTurn(state, str(p.turn_id), num(p.started_at), at);
    case 'task_complete':
    case 'turn_complete':
      return closeTurn(state, 'completed', num(p.completed_at), num(p.duration_ms), at);
    case 'turn_aborted':
      return closeTurn(state, 'interrupted', num(p.completed_at), num(p.duration_ms), at);
    case 'error':
      if (state.turn) state.turn.error = str(p.message) ?? 'error';
      return [];
    case 'thread_name_updated':
      state.name = str(p.thread_name) ?? state.name;
      return [];
    case 'item_completed': {
      const item = itemOf(p.item);
      if (!item) return [];
      state.itemEvents = true;
      return itemRecord(state, item, at, num(p.started_at_ms), num(p.completed_at_ms));
    }
    // Rollouts older than item events: the visible messages are these.
    case 'user_message':
    case 'agent_message': {
      if (state.itemEvents) return [];
      const message = str(p.message);
      if (message === null) return [];
      state.legacyItems++;
      const id = `${state.threadId ?? 'thread'}-item-${state.legacyItems}`;
      const item: ThreadItem = p.type === 'user_message' ? { type: 'userMessage', id, content: [{ type: 'text', text: message }] } : { type: 'agentMessage', id, text: message };
      return itemRecord(state, item, at, null, null);
    }
    default:
      return [];
  }
}
