/**
 * Responses API client (docs/protocol.md#upstream-model-requests).
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
 *
 * Files: request.ts (URL, auth, headers), attempt.ts (one HTTP attempt and its stream), frames.ts (SSE frame →
 * event), ../../util/retry.ts (backoff, sleep, Retry-After); this file is the retry loop.
 */
import { abortableSleep, backoffDelay, DEFAULT_RETRY_MAX_MS, retryBaseMs } from '../../util/retry';
import { type AttemptContext, type Budget, runAttempt } from './attempt';
import { configError, missingKeyError, retryAfterTooLongError } from './errors';
import type { JsonObject, ModelEvent } from './events';
import { buildHeaders, type ModelProvider, resolveAuth, responsesUrl } from './request';
import { excerpt } from './sse';

export type { ModelEvent, TerminalModelEvent, TokenUsage, OutputItem, RetryReason } from './events';
export type { ModelError, CodexErrorInfo } from './errors';
export { buildHeaders, resolveAuth, responsesUrl, type AuthSource, type ModelProvider } from './request';

export const DEFAULT_REQUEST_MAX_RETRIES = 4;
export const DEFAULT_STREAM_MAX_RETRIES = 5;
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 120_000;

export interface RetryOptions {
  /** First backoff delay; default 200 ms (or env CODEX_WEB_MODEL_RETRY_BASE_MS). */
  baseMs?: number;
  /** Longest backoff delay; default 10 s. */
  maxMs?: number;
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

interface Settings {
  requestMaxRetries: number;
  streamMaxRetries: number;
  idleTimeoutMs: number;
  baseMs: number;
  maxMs: number;
  maxRetryAfterMs: number;
  random: () => number;
}

function settingsFor(opts: StreamResponseOptions, env: Record<string, string | undefined>): Settings {
  return {
    requestMaxRetries: opts.provider.request_max_retries ?? DEFAULT_REQUEST_MAX_RETRIES,
    streamMaxRetries: opts.provider.stream_max_retries ?? DEFAULT_STREAM_MAX_RETRIES,
    idleTimeoutMs: opts.provider.stream_idle_timeout_ms ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
    baseMs: opts.retry?.baseMs ?? retryBaseMs(env),
    maxMs: opts.retry?.maxMs ?? DEFAULT_RETRY_MAX_MS,
    maxRetryAfterMs: opts.retry?.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
    random: opts.retry?.random ?? Math.random,
  };
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
    idleTimeoutMs: settings.idleTimeoutMs,
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
        if (!(await abortableSleep(delayMs, opts.signal))) {
          yield { type: 'aborted' };
          return;
        }
        break;
      }
    }
  }
}
