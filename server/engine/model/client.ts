/**
 * Responses API client (protocol.md, "The upstream model API").
 *
 *   for await (const ev of streamResponse({ provider, apiKey, body, signal })) {
 *     switch (ev.type) { case 'outputTextDelta': ...; case 'retrying': discard partial output, notify; ... }
 *   }
 *
 * `streamResponse` is an async generator of `ModelEvent` (events.ts). It never throws for upstream or
 * network trouble: every run ends with exactly one terminal event — `completed`, `failed` (with a protocol
 * TurnError-shaped `error`, see errors.ts) or `aborted` (the caller's signal fired) — and then returns.
 * Breaking out of the loop early cancels the HTTP request.
 *
 * Request: POST `{base_url}/responses` (+ `query_params`), body = `{...body, stream: true}`, headers
 * `Content-Type: application/json`, `Accept: text/event-stream`, `Authorization: Bearer <token>` where the
 * token is the first of: `provider.experimental_bearer_token`, `apiKey` (the stored key), env
 * `provider.env_key`, env `OPENAI_API_KEY` (only for providers without `env_key` that are the built-in
 * `openai` or set `requires_openai_auth` — a custom endpoint never receives the OpenAI key by accident).
 * Then `env_http_headers` (values from env), `http_headers`, `extraHeaders`, each overriding earlier ones.
 *
 * Retries, each announced by a `retrying` event before the wait:
 *  - `request_max_retries` (default 4): connect errors, 429 (unless a usage/quota code) and 5xx. Wait:
 *    `Retry-After` / `retry-after-ms` when sent (seconds or HTTP date; over `maxRetryAfterMs` → give up),
 *    else exponential backoff base·2^(n-1) ±20 % jitter, capped. Never for 400/401/403/404 etc.
 *  - `stream_max_retries` (default 5): the stream ends, errors, goes silent for `stream_idle_timeout_ms`
 *    (default 300000), carries malformed data, or reports a transient `response.failed` before
 *    `response.completed`: the same request is POSTed again.
 * The backoff base is 200 ms; override with `retry.baseMs` or env `CODEX_WEB_MODEL_RETRY_BASE_MS` (tests).
 */
import type { ResolvedProvider } from '../../config/load';
import {
  configError,
  connectError,
  describeFetchError,
  httpStatusError,
  incompleteError,
  isRetryableFailureCode,
  isRetryableStatus,
  malformedStreamError,
  missingKeyError,
  type ModelError,
  notAnEventStreamError,
  responseFailedError,
  retryAfterTooLongError,
  streamDisconnectedError,
} from './errors';
import {
  describeZodError,
  isHandledEventType,
  type JsonObject,
  type ModelEvent,
  parseOutputItem,
  type RetryReason,
  toTokenUsage,
  upstreamEventSchemas,
} from './events';
import { excerpt, parseSseJson, type SseFrame, SseError, SseParser } from './sse';

export type { ModelEvent, TerminalModelEvent, TokenUsage, OutputItem, RetryReason } from './events';
export type { ModelError, CodexErrorInfo } from './errors';

export const DEFAULT_REQUEST_MAX_RETRIES = 4;
export const DEFAULT_STREAM_MAX_RETRIES = 5;
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_RETRY_BASE_MS = 200;
export const DEFAULT_RETRY_CAP_MS = 10_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;
const ERROR_BODY_LIMIT = 64 * 1024;

export type ModelProvider = Pick<ResolvedProvider, 'id' | 'base_url'> & Partial<Omit<ResolvedProvider, 'id' | 'base_url'>>;

export interface RetryOptions {
  /** First backoff delay; default 200 ms (or env CODEX_WEB_MODEL_RETRY_BASE_MS). */
  baseMs?: number;
  /** Longest backoff delay; default 10 s. */
  capMs?: number;
  /** A Retry-After longer than this fails the request instead of waiting; default 120 s. */
  maxRetryAfterMs?: number;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
}

export interface StreamResponseOptions {
  provider: ModelProvider;
  /** The stored API key (AccountService.apiKey()), if any. */
  apiKey?: string | null;
  /** The Responses request body; `stream: true` is forced. */
  body: JsonObject;
  signal?: AbortSignal;
  /** Extra per-request headers (e.g. session ids); they override provider headers. */
  extraHeaders?: Record<string, string>;
  /** Environment for env_key / env_http_headers / retry base; default process.env. */
  env?: Record<string, string | undefined>;
  retry?: RetryOptions;
}

export type AuthSource = 'experimental_bearer_token' | 'apiKey' | 'env_key' | 'OPENAI_API_KEY' | 'none';

/** The bearer token for a provider, by the precedence documented above. `required` = a missing token is an error. */
export function resolveAuth(
  provider: ModelProvider,
  apiKey: string | null | undefined,
  env: Record<string, string | undefined>,
): { token: string | null; source: AuthSource; required: boolean; envKey: string | null } {
  const usesOpenAiKey = !provider.env_key && (provider.id === 'openai' || provider.requires_openai_auth === true);
  const envKey = provider.env_key ?? (usesOpenAiKey ? 'OPENAI_API_KEY' : null);
  const required = envKey !== null;
  const nonEmpty = (v: string | null | undefined): v is string => typeof v === 'string' && v.trim().length > 0;
  if (nonEmpty(provider.experimental_bearer_token)) return { token: provider.experimental_bearer_token.trim(), source: 'experimental_bearer_token', required, envKey };
  if (nonEmpty(apiKey)) return { token: apiKey.trim(), source: 'apiKey', required, envKey };
  if (provider.env_key && nonEmpty(env[provider.env_key])) return { token: env[provider.env_key]!.trim(), source: 'env_key', required, envKey };
  if (usesOpenAiKey && nonEmpty(env.OPENAI_API_KEY)) return { token: env.OPENAI_API_KEY.trim(), source: 'OPENAI_API_KEY', required, envKey };
  return { token: null, source: 'none', required, envKey };
}

/** `{base_url}/responses` with `query_params` (a query already in base_url is kept). */
export function responsesUrl(provider: ModelProvider): string {
  const url = new URL(provider.base_url);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/responses`;
  for (const [k, v] of Object.entries(provider.query_params ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

export function buildHeaders(opts: StreamResponseOptions, token: string | null, env: Record<string, string | undefined>): Headers {
  const headers = new Headers({ 'content-type': 'application/json', accept: 'text/event-stream' });
  if (token) headers.set('authorization', `Bearer ${token}`);
  for (const [name, varName] of Object.entries(opts.provider.env_http_headers ?? {})) {
    const value = env[varName];
    if (value && value.trim().length > 0) headers.set(name, value.trim());
  }
  for (const [name, value] of Object.entries(opts.provider.http_headers ?? {})) headers.set(name, value);
  for (const [name, value] of Object.entries(opts.extraHeaders ?? {})) headers.set(name, value);
  return headers;
}

/** `Retry-After` (seconds or HTTP date) or `retry-after-ms`, in ms; null when absent or unparsable. */
export function parseRetryAfter(headers: Headers, now = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.max(0, Math.ceil(Number(ms)));
  const value = headers.get('retry-after');
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.max(0, Math.ceil(Number(trimmed) * 1000));
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** "Please try again in 1.5s" / "in 350ms" inside an upstream error message. */
function delayFromMessage(message: string | null | undefined): number | null {
  const m = message ? /try again in\s+(\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(message) : null;
  if (!m) return null;
  const n = Number(m[1]);
  return Math.ceil(m[2]!.toLowerCase() === 'ms' ? n : n * 1000);
}

interface Settings {
  requestMaxRetries: number;
  streamMaxRetries: number;
  idleTimeoutMs: number;
  baseMs: number;
  capMs: number;
  maxRetryAfterMs: number;
  random: () => number;
}

function settingsFor(opts: StreamResponseOptions, env: Record<string, string | undefined>): Settings {
  const envBase = Number(env.CODEX_WEB_MODEL_RETRY_BASE_MS);
  return {
    requestMaxRetries: opts.provider.request_max_retries ?? DEFAULT_REQUEST_MAX_RETRIES,
    streamMaxRetries: opts.provider.stream_max_retries ?? DEFAULT_STREAM_MAX_RETRIES,
    idleTimeoutMs: opts.provider.stream_idle_timeout_ms ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    baseMs: opts.retry?.baseMs ?? (env.CODEX_WEB_MODEL_RETRY_BASE_MS && Number.isFinite(envBase) && envBase >= 0 ? envBase : DEFAULT_RETRY_BASE_MS),
    capMs: opts.retry?.capMs ?? DEFAULT_RETRY_CAP_MS,
    maxRetryAfterMs: opts.retry?.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
    random: opts.retry?.random ?? Math.random,
  };
}

/** Exponential backoff for the n-th retry (1-based), ±20 % jitter, capped. */
export function backoffDelay(retry: number, s: Pick<Settings, 'baseMs' | 'capMs' | 'random'>): number {
  const exp = Math.min(s.capMs, s.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(Math.min(s.capMs, exp * (0.8 + 0.4 * s.random())));
}

/** Resolves true after `ms`, false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

type Budget = 'request' | 'stream';

/** How one HTTP attempt ended. */
type AttemptOutcome =
  | { kind: 'completed' }
  | { kind: 'aborted' }
  | { kind: 'fatal'; error: ModelError; httpStatusCode: number | null }
  | {
      kind: 'retry';
      budget: Budget;
      reason: RetryReason;
      /** Human-readable cause, for messages. */
      detail: string;
      httpStatusCode: number | null;
      /** Server-requested wait, if any. */
      delayHintMs: number | null;
      /** The error to report if the budget is already spent. */
      finalError: (attempts: number) => ModelError;
      /** codexErrorInfo-bearing error for the `retrying` notification. */
      noticeError: ModelError;
      yieldedOutput: boolean;
    };

interface AttemptContext {
  url: string;
  init: { method: 'POST'; headers: Headers; body: string };
  settings: Settings;
  userSignal: AbortSignal | undefined;
  envKey: string | null;
  attempts: number;
}

export async function* streamResponse(opts: StreamResponseOptions): AsyncGenerator<ModelEvent, void, undefined> {
  const env = opts.env ?? process.env;
  if (opts.provider.wire_api === 'chat') {
    yield {
      type: 'failed',
      error: configError(`model provider "${opts.provider.id}" uses wire_api = "chat", which is not supported; set wire_api = "responses" in config.toml.`),
      httpStatusCode: null,
    };
    return;
  }
  let url: string;
  try {
    url = responsesUrl(opts.provider);
  } catch {
    yield { type: 'failed', error: configError(`model provider "${opts.provider.id}" has an invalid base_url: ${opts.provider.base_url}`), httpStatusCode: null };
    return;
  }
  const auth = resolveAuth(opts.provider, opts.apiKey, env);
  if (auth.token === null && auth.required) {
    yield { type: 'failed', error: missingKeyError(auth.envKey ?? 'OPENAI_API_KEY'), httpStatusCode: null };
    return;
  }
  const settings = settingsFor(opts, env);
  const ctx: AttemptContext = {
    url,
    init: { method: 'POST', headers: buildHeaders(opts, auth.token, env), body: JSON.stringify({ ...opts.body, stream: true }) },
    settings,
    userSignal: opts.signal,
    envKey: auth.envKey,
    attempts: 0,
  };
  const used: Record<Budget, number> = { request: 0, stream: 0 };
  const max: Record<Budget, number> = { request: settings.requestMaxRetries, stream: settings.streamMaxRetries };

  for (;;) {
    if (opts.signal?.aborted) {
      yield { type: 'aborted' };
      return;
    }
    ctx.attempts += 1;
    const outcome = yield* runAttempt(ctx, used);
    switch (outcome.kind) {
      case 'completed':
        return;
      case 'aborted':
        yield { type: 'aborted' };
        return;
      case 'fatal':
        yield { type: 'failed', error: outcome.error, httpStatusCode: outcome.httpStatusCode };
        return;
      case 'retry': {
        if (used[outcome.budget] >= max[outcome.budget]) {
          yield { type: 'failed', error: outcome.finalError(ctx.attempts), httpStatusCode: outcome.httpStatusCode };
          return;
        }
        used[outcome.budget] += 1;
        const attempt = used[outcome.budget];
        let delayMs = backoffDelay(attempt, settings);
        if (outcome.delayHintMs !== null) {
          if (outcome.delayHintMs > settings.maxRetryAfterMs) {
            yield {
              type: 'failed',
              error: retryAfterTooLongError(url, outcome.httpStatusCode ?? 0, outcome.delayHintMs, settings.maxRetryAfterMs),
              httpStatusCode: outcome.httpStatusCode,
            };
            return;
          }
          delayMs = outcome.delayHintMs;
        }
        yield {
          type: 'retrying',
          attempt,
          maxRetries: max[outcome.budget],
          reason: outcome.reason,
          delayMs,
          httpStatusCode: outcome.httpStatusCode,
          discardPartialOutput: outcome.yieldedOutput,
          error: {
            ...outcome.noticeError,
            message: `Reconnecting... ${attempt}/${max[outcome.budget]} (${excerpt(outcome.detail, 300)})`,
          },
        };
        if (!(await sleep(delayMs, opts.signal))) {
          yield { type: 'aborted' };
          return;
        }
        break;
      }
    }
  }
}

/** Links the caller's signal to a per-attempt controller (also aborted by the idle timer and on cleanup). */
function linkSignal(user: AbortSignal | undefined, attempt: AbortController): () => void {
  if (!user) return () => {};
  if (user.aborted) {
    attempt.abort(user.reason);
    return () => {};
  }
  const onAbort = (): void => attempt.abort(user.reason);
  user.addEventListener('abort', onAbort, { once: true });
  return () => user.removeEventListener('abort', onAbort);
}

/**
 * Fires `onFire` once nothing arrived for `ms`. `touch()` is cheap (no timer churn per chunk); while the
 * consumer holds a yielded event (`pause()` … `resume()`) the stream is not counted as idle.
 */
class IdleTimer {
  fired = false;
  private last = 0;
  private paused = false;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly ms: number,
    private readonly onFire: () => void,
  ) {}
  start(): void {
    this.last = Date.now();
    if (!this.timer) this.arm(this.ms);
  }
  touch(): void {
    this.last = Date.now();
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.last = Date.now();
  }
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
  private arm(delay: number): void {
    this.timer = setTimeout(() => this.check(), Math.max(1, delay));
  }
  private check(): void {
    this.timer = null;
    const quiet = Date.now() - this.last;
    if (this.paused || quiet < this.ms) {
      this.arm(this.paused ? this.ms : this.ms - quiet);
      return;
    }
    this.fired = true;
    this.onFire();
  }
}

async function readCapped(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    while (text.length < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // A body that breaks off still leaves us the part we have.
  } finally {
    reader.cancel().catch(() => {});
  }
  return text.slice(0, limit);
}

async function* runAttempt(ctx: AttemptContext, used: Record<Budget, number>): AsyncGenerator<ModelEvent, AttemptOutcome, undefined> {
  const { url, settings } = ctx;
  const controller = new AbortController();
  const unlink = linkSignal(ctx.userSignal, controller);
  const idle = new IdleTimer(settings.idleTimeoutMs, () => controller.abort(new Error('idle timeout')));
  const userAborted = (): boolean => ctx.userSignal?.aborted === true;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let yieldedOutput = false;

  const streamRetry = (reason: RetryReason, detail: string, httpStatusCode: number | null, delayHintMs: number | null = null): AttemptOutcome => ({
    kind: 'retry',
    budget: 'stream',
    reason,
    detail,
    httpStatusCode,
    delayHintMs,
    yieldedOutput,
    finalError: (attempts) => (reason === 'malformed' ? malformedStreamError(detail, attempts) : streamDisconnectedError(detail, attempts)),
    noticeError: reason === 'malformed' ? malformedStreamError(detail, 1) : streamDisconnectedError(detail, 1),
  });

  try {
    // --- connect -------------------------------------------------------------------------------
    idle.start();
    let res: Response;
    try {
      res = await fetch(url, { ...ctx.init, signal: controller.signal });
    } catch (err) {
      if (userAborted()) return { kind: 'aborted' };
      const detail = idle.fired ? `no response within ${settings.idleTimeoutMs} ms` : describeFetchError(err);
      return {
        kind: 'retry',
        budget: 'request',
        reason: 'connect',
        detail,
        httpStatusCode: null,
        delayHintMs: null,
        yieldedOutput: false,
        finalError: (attempts) => connectError(url, detail, attempts),
        noticeError: { ...connectError(url, detail, 1), codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: null } } },
      };
    }

    // --- HTTP status -----------------------------------------------------------------------------
    if (!res.ok) {
      const body = await readCapped(res, ERROR_BODY_LIMIT);
      if (userAborted()) return { kind: 'aborted' };
      const failure = (exhausted: boolean, attempts: number): ModelError =>
        httpStatusError({
          url,
          status: res.status,
          statusText: res.statusText,
          body,
          requestId: res.headers.get('x-request-id'),
          attempts,
          exhausted,
          envKey: ctx.envKey,
        });
      if (!isRetryableStatus(res.status, body)) return { kind: 'fatal', error: failure(false, ctx.attempts), httpStatusCode: res.status };
      const notice = failure(false, 1);
      return {
        kind: 'retry',
        budget: 'request',
        reason: 'httpStatus',
        detail: notice.message,
        httpStatusCode: res.status,
        delayHintMs: parseRetryAfter(res.headers),
        yieldedOutput: false,
        finalError: (attempts) => failure(true, attempts),
        noticeError: {
          ...notice,
          codexErrorInfo: res.status === 429 ? 'rateLimitExceeded' : { httpConnectionFailed: { httpStatusCode: res.status } },
        },
      };
    }
    used.request = 0; // the request budget covers one connection; a new stream attempt gets a fresh one

    const contentType = res.headers.get('content-type') ?? '';
    if (/\bapplication\/(problem\+)?json\b/i.test(contentType)) {
      const body = await readCapped(res, ERROR_BODY_LIMIT);
      if (userAborted()) return { kind: 'aborted' };
      return { kind: 'fatal', error: notAnEventStreamError(url, res.status, contentType, body), httpStatusCode: res.status };
    }
    if (!res.body) return streamRetry('streamDisconnected', 'response has no body', null);

    // --- stream ----------------------------------------------------------------------------------
    reader = res.body.getReader();
    const parser = new SseParser();
    idle.touch();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (userAborted()) return { kind: 'aborted' };
        if (idle.fired) return streamRetry('idleTimeout', `no data for ${settings.idleTimeoutMs} ms (stream_idle_timeout_ms)`, null);
        return streamRetry('streamDisconnected', `stream error before response.completed: ${describeFetchError(err)}`, null);
      }
      idle.touch();
      let frames: SseFrame[];
      try {
        frames = chunk.done ? parser.end() : parser.push(chunk.value);
      } catch (err) {
        if (err instanceof SseError) return streamRetry('malformed', err.message, null);
        throw err;
      }
      for (const frame of frames) {
        if (userAborted()) return { kind: 'aborted' };
        const result = interpretFrame(frame);
        if (result.kind === 'event') {
          yieldedOutput = true;
          idle.pause();
          yield result.event;
          idle.resume();
          continue;
        }
        if (result.kind === 'ignore') continue;
        if (result.kind === 'completed') {
          yield result.event;
          return { kind: 'completed' };
        }
        if (result.kind === 'malformed') return streamRetry('malformed', result.message, null);
        if (result.kind === 'incomplete') return { kind: 'fatal', error: result.error, httpStatusCode: null };
        // response.failed / error event
        if (!isRetryableFailureCode(result.failure.code)) {
          return { kind: 'fatal', error: responseFailedError(result.failure), httpStatusCode: null };
        }
        const failure = result.failure;
        const notice = responseFailedError(failure);
        return {
          kind: 'retry',
          budget: 'stream',
          reason: 'responseFailed',
          detail: notice.message,
          httpStatusCode: null,
          delayHintMs: delayFromMessage(failure.message),
          yieldedOutput,
          finalError: (attempts) => responseFailedError(failure, attempts),
          noticeError: notice,
        };
      }
      if (userAborted()) return { kind: 'aborted' };
      if (chunk.done) return streamRetry('streamDisconnected', 'stream closed before response.completed', null);
    }
  } finally {
    idle.clear();
    unlink();
    if (reader) reader.cancel().catch(() => {});
    controller.abort();
  }
}

type FrameResult =
  | { kind: 'event'; event: ModelEvent }
  | { kind: 'completed'; event: ModelEvent }
  | { kind: 'ignore' }
  | { kind: 'malformed'; message: string }
  | { kind: 'failed'; failure: { code: string | null; message: string | null; responseId: string | null } }
  | { kind: 'incomplete'; error: ModelError };

const n = (v: number | null | undefined): number | null => (typeof v === 'number' ? v : null);
const s = (v: string | null | undefined): string | null => (typeof v === 'string' ? v : null);

function interpretFrame(frame: SseFrame): FrameResult {
  const json = parseSseJson(frame);
  if (!json.ok) return { kind: 'malformed', message: json.error.message };
  const value = json.value;
  const dataType = typeof value === 'object' && value !== null && typeof (value as JsonObject).type === 'string' ? ((value as JsonObject).type as string) : null;
  const type = dataType ?? frame.event;
  if (!isHandledEventType(type)) return { kind: 'ignore' };
  const schema = upstreamEventSchemas[type];
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { kind: 'malformed', message: `invalid ${type} event: ${describeZodError(parsed.error)} (data: ${excerpt(frame.data, 200)})` };

  switch (type) {
    case 'response.created': {
      const d = parsed.data as { response?: { id?: string | null } | null };
      return { kind: 'event', event: { type: 'created', responseId: s(d.response?.id) } };
    }
    case 'response.output_item.added': {
      const d = parsed.data as { output_index?: number | null; item: JsonObject & { type: string; id?: string | null } };
      return { kind: 'event', event: { type: 'outputItemAdded', outputIndex: n(d.output_index), itemType: d.item.type, itemId: s(d.item.id), raw: d.item } };
    }
    case 'response.output_item.done': {
      const d = parsed.data as { output_index?: number | null; item: JsonObject & { type: string } };
      const item = parseOutputItem(d.item);
      if (!item.ok) return { kind: 'malformed', message: item.message };
      return { kind: 'event', event: { type: 'outputItemDone', outputIndex: n(d.output_index), item: item.item, raw: d.item } };
    }
    case 'response.output_text.delta': {
      const d = parsed.data as { item_id?: string | null; output_index?: number | null; content_index?: number | null; delta: string };
      return { kind: 'event', event: { type: 'outputTextDelta', itemId: s(d.item_id), outputIndex: n(d.output_index), contentIndex: n(d.content_index), delta: d.delta } };
    }
    case 'response.reasoning_summary_text.delta': {
      const d = parsed.data as { item_id?: string | null; output_index?: number | null; summary_index?: number | null; delta: string };
      return {
        kind: 'event',
        event: { type: 'reasoningSummaryTextDelta', itemId: s(d.item_id), outputIndex: n(d.output_index), summaryIndex: n(d.summary_index), delta: d.delta },
      };
    }
    case 'response.reasoning_summary_part.added': {
      const d = parsed.data as { item_id?: string | null; output_index?: number | null; summary_index?: number | null };
      return { kind: 'event', event: { type: 'reasoningSummaryPartAdded', itemId: s(d.item_id), outputIndex: n(d.output_index), summaryIndex: n(d.summary_index) } };
    }
    case 'response.reasoning_text.delta': {
      const d = parsed.data as { item_id?: string | null; output_index?: number | null; content_index?: number | null; delta: string };
      return { kind: 'event', event: { type: 'reasoningTextDelta', itemId: s(d.item_id), outputIndex: n(d.output_index), contentIndex: n(d.content_index), delta: d.delta } };
    }
    case 'response.completed': {
      const d = parsed.data as unknown as { response: JsonObject & { id: string; usage?: Parameters<typeof toTokenUsage>[0] } };
      return { kind: 'completed', event: { type: 'completed', responseId: d.response.id, usage: toTokenUsage(d.response.usage), raw: d.response } };
    }
    case 'response.failed': {
      const d = parsed.data as { response?: { id?: string | null; error?: { code?: string | null; message?: string | null } | null } | null };
      return { kind: 'failed', failure: { code: s(d.response?.error?.code), message: s(d.response?.error?.message), responseId: s(d.response?.id) } };
    }
    case 'response.incomplete': {
      const d = parsed.data as { response?: { id?: string | null; incomplete_details?: { reason?: string | null } | null } | null };
      return { kind: 'incomplete', error: incompleteError(s(d.response?.incomplete_details?.reason), s(d.response?.id)) };
    }
    case 'error': {
      const d = parsed.data as { code?: string | null; message?: string | null; error?: { code?: string | null; message?: string | null } | null };
      return { kind: 'failed', failure: { code: s(d.code ?? d.error?.code), message: s(d.message ?? d.error?.message), responseId: null } };
    }
  }
}
