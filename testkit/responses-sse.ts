/**
 * What the mock Responses server (./mock-responses-server.ts) answers: SSE replies of the OpenAI Responses
 * API, built from output items, plus HTTP errors and the modifiers that drop, gate or slow a reply.
 *
 *   server.enqueue(sse.functionCall('shell_command', { command: 'printf hi', workdir: null, timeout_ms: 5000 }, 'call_1'),
 *                  sse.message('done', { deltas: 3 }));
 *
 * Replies: `sse.message`, `sse.reasoningMessage`, `sse.functionCall` / `shellCommand` / `applyPatch` /
 * `updatePlan` / `customToolCall`, `sse.response(out.*...)` for several output items, `sse.failed`,
 * `sse.incomplete`, `sse.httpError(status, body, {retryAfter})`, `sse.malformed()`, `sse.hanging()`, and the
 * modifiers `sse.drop(reply, afterEvents)` (destroys the socket after K events), `sse.gated(reply, gate,
 * afterEvents)` (waits for `gate` before the rest), `sse.slow(reply, delayMs)`.
 */

export type JsonObject = Record<string, unknown>;

/** One SSE chunk: an event object (sent as `event: <type>\ndata: <json>\n\n`) or raw text sent verbatim. */
export type SseChunk = JsonObject | { raw: string };

export interface SseReply {
  kind: 'sse';
  events: SseChunk[];
  /** Destroy the socket after this many chunks (a dropped connection; no terminating chunk). */
  dropAfter?: number;
  /** Before sending chunk `afterEvents`, wait for `wait` (or the client going away). */
  gate?: { afterEvents: number; wait: PromiseLike<unknown> };
  /** After this many chunks, send nothing more and never end (until the client disconnects). */
  hangAfter?: number;
  /** Pause before every chunk. */
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface HttpReply {
  kind: 'http';
  status: number;
  body: string;
  headers: Record<string, string>;
}

export type Reply = SseReply | HttpReply;

export interface Gate {
  promise: Promise<void>;
  open(): void;
  readonly isOpen: boolean;
}

export function createGate(): Gate {
  let release!: () => void;
  let isOpen = false;
  const promise = new Promise<void>((r) => {
    release = r;
  });
  return {
    promise,
    open() {
      isOpen = true;
      release();
    },
    get isOpen() {
      return isOpen;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Output item builders: each returns the SSE events for one output item at a given output_index.

let idCounter = 0;
const nextId = (prefix: string): string => `${prefix}_${(++idCounter).toString().padStart(4, '0')}`;

export interface OutputSpec {
  events(outputIndex: number): JsonObject[];
  item: JsonObject;
}

/** Splits text into `parts` near-equal pieces without cutting a surrogate pair. */
export function splitText(text: string, parts: number): string[] {
  const chars = Array.from(text);
  const n = Math.max(1, Math.min(parts, chars.length));
  if (chars.length === 0) return [''];
  const out: string[] = [];
  for (let i = 0; i < n; i += 1) {
    out.push(chars.slice(Math.floor((i * chars.length) / n), Math.floor(((i + 1) * chars.length) / n)).join(''));
  }
  return out;
}

export const out = {
  message(text: string, opts: { deltas?: number; id?: string } = {}): OutputSpec {
    const id = opts.id ?? nextId('msg');
    const item = { id, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] };
    return {
      item,
      events: (output_index) => [
        { type: 'response.output_item.added', output_index, item: { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] } },
        { type: 'response.content_part.added', item_id: id, output_index, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } },
        ...splitText(text, opts.deltas ?? 1).map((delta) => ({ type: 'response.output_text.delta', item_id: id, output_index, content_index: 0, delta })),
        { type: 'response.output_text.done', item_id: id, output_index, content_index: 0, text },
        { type: 'response.content_part.done', item_id: id, output_index, content_index: 0, part: { type: 'output_text', text, annotations: [] } },
        { type: 'response.output_item.done', output_index, item },
      ],
    };
  },

  /** Reasoning with summary parts (each streamed in `deltas` pieces) and optional raw reasoning text. */
  reasoning(summary: string | string[], opts: { deltas?: number; id?: string; content?: string } = {}): OutputSpec {
    const id = opts.id ?? nextId('rs');
    const parts = typeof summary === 'string' ? [summary] : summary;
    const item: JsonObject = {
      id,
      type: 'reasoning',
      summary: parts.map((text) => ({ type: 'summary_text', text })),
      ...(opts.content !== undefined ? { content: [{ type: 'reasoning_text', text: opts.content }] } : {}),
      encrypted_content: null,
    };
    return {
      item,
      events: (output_index) => [
        { type: 'response.output_item.added', output_index, item: { id, type: 'reasoning', summary: [] } },
        ...parts.flatMap((text, summary_index) => [
          { type: 'response.reasoning_summary_part.added', item_id: id, output_index, summary_index, part: { type: 'summary_text', text: '' } },
          ...splitText(text, opts.deltas ?? 1).map((delta) => ({ type: 'response.reasoning_summary_text.delta', item_id: id, output_index, summary_index, delta })),
          { type: 'response.reasoning_summary_text.done', item_id: id, output_index, summary_index, text },
          { type: 'response.reasoning_summary_part.done', item_id: id, output_index, summary_index, part: { type: 'summary_text', text } },
        ]),
        ...(opts.content !== undefined
          ? splitText(opts.content, opts.deltas ?? 1).map((delta) => ({ type: 'response.reasoning_text.delta', item_id: id, output_index, content_index: 0, delta }))
          : []),
        { type: 'response.output_item.done', output_index, item },
      ],
    };
  },

  /** `args` objects are JSON-encoded; strings are sent as the `arguments` string verbatim. */
  /** `namespace`: the call is to a function of a Responses `namespace` tool. */
  functionCall(name: string, args: unknown, callId: string, opts: { id?: string; namespace?: string } = {}): OutputSpec {
    const id = opts.id ?? nextId('fc');
    const argString = typeof args === 'string' ? args : JSON.stringify(args);
    const item = { id, type: 'function_call', status: 'completed', name, ...(opts.namespace ? { namespace: opts.namespace } : {}), arguments: argString, call_id: callId };
    return {
      item,
      events: (output_index) => [
        { type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', arguments: '' } },
        { type: 'response.function_call_arguments.delta', item_id: id, output_index, delta: argString },
        { type: 'response.function_call_arguments.done', item_id: id, output_index, arguments: argString },
        { type: 'response.output_item.done', output_index, item },
      ],
    };
  },

  customToolCall(name: string, input: string, callId: string, opts: { id?: string } = {}): OutputSpec {
    const id = opts.id ?? nextId('ctc');
    const item = { id, type: 'custom_tool_call', status: 'completed', name, input, call_id: callId };
    return {
      item,
      events: (output_index) => [
        { type: 'response.output_item.added', output_index, item: { ...item, status: 'in_progress', input: '' } },
        { type: 'response.custom_tool_call_input.delta', item_id: id, output_index, delta: input },
        { type: 'response.output_item.done', output_index, item },
      ],
    };
  },
};

export interface Usage {
  input_tokens: number;
  input_tokens_details?: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details?: { reasoning_tokens: number };
  total_tokens: number;
}

export const DEFAULT_USAGE: Usage = {
  input_tokens: 10,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens: 5,
  output_tokens_details: { reasoning_tokens: 0 },
  total_tokens: 15,
};

export interface ResponseOpts {
  responseId?: string;
  usage?: Usage;
}

function created(responseId: string): JsonObject[] {
  const response = { id: responseId, object: 'response', status: 'in_progress', output: [] };
  return [
    { type: 'response.created', response },
    { type: 'response.in_progress', response },
  ];
}

function httpReply(status: number, body: string | JsonObject = '', opts: { retryAfter?: number | string; headers?: Record<string, string> } = {}): HttpReply {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...opts.headers };
  if (opts.retryAfter !== undefined) headers['retry-after'] = String(opts.retryAfter);
  return { kind: 'http', status, body: text, headers };
}

export const sse = {
  /** One response with the given output items, then response.completed with usage. */
  response(outputs: OutputSpec[], opts: ResponseOpts = {}): SseReply {
    const responseId = opts.responseId ?? nextId('resp');
    return {
      kind: 'sse',
      events: [
        ...created(responseId),
        ...outputs.flatMap((o, i) => o.events(i)),
        {
          type: 'response.completed',
          response: { id: responseId, object: 'response', status: 'completed', output: outputs.map((o) => o.item), usage: opts.usage ?? DEFAULT_USAGE },
        },
      ],
    };
  },

  /** A final assistant message streamed in `deltas` text deltas. */
  message(text: string, opts: ResponseOpts & { deltas?: number } = {}): SseReply {
    return sse.response([out.message(text, { deltas: opts.deltas })], opts);
  },

  /** Reasoning summary (streamed) followed by an assistant message. */
  reasoningMessage(summary: string | string[], text: string, opts: ResponseOpts & { deltas?: number; reasoningContent?: string } = {}): SseReply {
    return sse.response([out.reasoning(summary, { deltas: opts.deltas, content: opts.reasoningContent }), out.message(text, { deltas: opts.deltas })], opts);
  },

  functionCall(name: string, args: unknown, callId: string, opts: ResponseOpts = {}): SseReply {
    return sse.response([out.functionCall(name, args, callId)], opts);
  },

  /** shell_command as offered to the model: `{command, workdir, timeout_ms}`. */
  shellCommand(command: string, callId: string, opts: ResponseOpts & { workdir?: string | null; timeout_ms?: number | null } = {}): SseReply {
    return sse.functionCall('shell_command', { command, workdir: opts.workdir ?? null, timeout_ms: opts.timeout_ms ?? null }, callId, opts);
  },

  /** apply_patch as a function tool (`{input: patch}`), or as a freeform custom tool call. */
  applyPatch(patch: string, callId: string, opts: ResponseOpts & { freeform?: boolean } = {}): SseReply {
    return opts.freeform
      ? sse.response([out.customToolCall('apply_patch', patch, callId)], opts)
      : sse.functionCall('apply_patch', { input: patch }, callId, opts);
  },

  updatePlan(plan: Array<{ step: string; status: 'pending' | 'in_progress' | 'completed' }>, callId: string, opts: ResponseOpts & { explanation?: string } = {}): SseReply {
    return sse.functionCall('update_plan', { explanation: opts.explanation ?? null, plan }, callId, opts);
  },

  customToolCall(name: string, input: string, callId: string, opts: ResponseOpts = {}): SseReply {
    return sse.response([out.customToolCall(name, input, callId)], opts);
  },

  /** response.created, then response.failed with `{code, message}`. */
  failed(code: string, message: string, opts: { responseId?: string } = {}): SseReply {
    const responseId = opts.responseId ?? nextId('resp');
    return {
      kind: 'sse',
      events: [...created(responseId), { type: 'response.failed', response: { id: responseId, object: 'response', status: 'failed', error: { code, message } } }],
    };
  },

  /** A message followed by response.incomplete (e.g. reason "max_output_tokens"). */
  incomplete(reason: string, text = 'partial', opts: { responseId?: string } = {}): SseReply {
    const responseId = opts.responseId ?? nextId('resp');
    return {
      kind: 'sse',
      events: [
        ...created(responseId),
        ...out.message(text).events(0),
        { type: 'response.incomplete', response: { id: responseId, object: 'response', status: 'incomplete', incomplete_details: { reason } } },
      ],
    };
  },

  /** A non-2xx answer; object bodies are sent as JSON (`{error:{code,message}}` style). */
  httpError: httpReply,

  /** Arbitrary chunks (event objects or `{raw}` text). */
  events(...chunks: SseChunk[]): SseReply {
    return { kind: 'sse', events: chunks };
  },

  /** response.created, then an event whose data is not valid JSON, then (unreachable for a strict client) a completion. */
  malformed(data = '{"type":"response.output_text.delta","delta":"oops"'): SseReply {
    const ok = sse.message('after malformed');
    return { kind: 'sse', events: [ok.events[0]!, { raw: `event: response.output_text.delta\ndata: ${data}\n\n` }, ...ok.events.slice(1)] };
  },

  /** Sends response.created (and in_progress) and then nothing, forever. */
  hanging(opts: { responseId?: string } = {}): SseReply {
    const events = created(opts.responseId ?? nextId('resp'));
    return { kind: 'sse', events, hangAfter: events.length };
  },

  /** The reply's socket is destroyed after `afterEvents` chunks. */
  drop(reply: SseReply, afterEvents: number): SseReply {
    return { ...reply, dropAfter: afterEvents };
  },

  /** The reply pauses before chunk `afterEvents` until `gate` resolves (a Gate or any promise). */
  gated(reply: SseReply, gate: Gate | PromiseLike<unknown>, afterEvents = 1): SseReply {
    const wait = 'promise' in gate && 'open' in gate ? gate.promise : gate;
    return { ...reply, gate: { afterEvents, wait } };
  },

  /** Pause `delayMs` before every chunk (for demos and timing tests). */
  slow(reply: SseReply, delayMs: number): SseReply {
    return { ...reply, delayMs };
  },
};
