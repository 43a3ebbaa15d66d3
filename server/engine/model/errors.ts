/**
 * Upstream failures → the protocol's TurnError `{message, codexErrorInfo, additionalDetails}`.
 *
 * codexErrorInfo values follow the reference JSON schema exactly (camelCase strings, or single-key objects
 * carrying `httpStatusCode: number | null`). Mapping used by the client:
 *
 *   401                                   → "unauthorized"                (never retried)
 *   400 (context_length_exceeded body)    → "contextWindowExceeded"       (never retried)
 *   400                                   → "badRequest"                  (never retried)
 *   429 with a usage/quota body code      → "usageLimitExceeded"          (never retried)
 *   429 after request_max_retries         → {responseTooManyFailedAttempts:{httpStatusCode:429}}
 *   503 server_is_overloaded / slow_down  → "serverOverloaded"            (after retries)
 *   other 4xx / 5xx (after retries)       → {httpConnectionFailed:{httpStatusCode:N}}
 *   no HTTP response (DNS, refused, ...)  → {httpConnectionFailed:{httpStatusCode:null}}
 *   2xx that is not an event stream       → {responseStreamConnectionFailed:{httpStatusCode:N}}
 *   stream dropped / idle, after retries  → {responseStreamDisconnected:{httpStatusCode:null}}
 *   response.failed                       → by `error.code`: context_length_exceeded → "contextWindowExceeded",
 *                                           insufficient_quota / usage_* → "usageLimitExceeded",
 *                                           invalid_prompt → "badRequest", server_is_overloaded → "serverOverloaded",
 *                                           rate_limit_exceeded → "rateLimitExceeded", server_error → "internalServerError",
 *                                           anything else → "other"
 *   response.incomplete, malformed SSE    → "other"
 */
import { excerpt } from './sse';

export type HttpStatusInfo = { httpStatusCode: number | null };

export type CodexErrorInfo =
  | 'contextWindowExceeded'
  | 'usageLimitExceeded'
  | 'rateLimitExceeded'
  | 'serverOverloaded'
  | 'internalServerError'
  | 'unauthorized'
  | 'badRequest'
  | 'sandboxError'
  | 'other'
  | { httpConnectionFailed: HttpStatusInfo }
  | { responseStreamConnectionFailed: HttpStatusInfo }
  | { responseStreamDisconnected: HttpStatusInfo }
  | { responseTooManyFailedAttempts: HttpStatusInfo };

/** Structurally a protocol TurnError (server/protocol/turn.ts) with a precise codexErrorInfo. */
export interface ModelError {
  message: string;
  codexErrorInfo: CodexErrorInfo;
  additionalDetails: string | null;
}

/** Body codes on a 429 that mean "stop": retrying cannot help until the plan/quota changes. */
const USAGE_LIMIT_CODES = new Set(['usage_limit_reached', 'usage_not_included', 'insufficient_quota', 'billing_hard_limit_reached']);
const OVERLOADED_CODES = new Set(['server_is_overloaded', 'slow_down']);

/** `{error:{code,type,message}}` (OpenAI style) or `{code,message}`; tolerant of anything else. */
export interface UpstreamErrorBody {
  code: string | null;
  type: string | null;
  message: string | null;
}

export function parseErrorBody(body: string): UpstreamErrorBody {
  const empty: UpstreamErrorBody = { code: null, type: null, message: null };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return empty;
  }
  if (typeof json !== 'object' || json === null) return empty;
  const rec = json as Record<string, unknown>;
  const inner = typeof rec.error === 'object' && rec.error !== null ? (rec.error as Record<string, unknown>) : rec;
  const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
  return { code: str(inner.code), type: str(inner.type), message: str(inner.message) ?? str(rec.message) };
}

function errorCodes(body: UpstreamErrorBody): string[] {
  return [body.code, body.type].filter((c): c is string => c !== null);
}

/** Whether an HTTP status is worth another request (connect errors are handled separately). */
export function isRetryableStatus(status: number, body: string): boolean {
  if (status === 429) return !errorCodes(parseErrorBody(body)).some((c) => USAGE_LIMIT_CODES.has(c));
  return status >= 500 && status <= 599;
}

function statusLine(status: number, statusText: string): string {
  return `${status}${statusText ? ` ${statusText}` : ''}`;
}

function bodySummary(body: string): string {
  const parsed = parseErrorBody(body);
  if (parsed.message) return excerpt(parsed.code ? `${parsed.message} (code: ${parsed.code})` : parsed.message);
  return body.trim().length > 0 ? excerpt(body) : '(empty body)';
}

function details(parts: Array<string | null | undefined>): string | null {
  const kept = parts.filter((p): p is string => typeof p === 'string' && p.length > 0);
  return kept.length > 0 ? kept.join('; ') : null;
}

export interface HttpFailure {
  url: string;
  status: number;
  statusText: string;
  body: string;
  requestId: string | null;
  /** Requests made so far, this one included. */
  attempts: number;
  /** Whether this is final because the retry budget ran out (vs. a non-retryable status). */
  exhausted: boolean;
  /** Env var the key may come from, for the 401 hint. */
  envKey: string | null;
}

export function httpStatusError(f: HttpFailure): ModelError {
  const head = `unexpected status ${statusLine(f.status, f.statusText)} from ${f.url}: ${bodySummary(f.body)}`;
  const parsed = parseErrorBody(f.body);
  const codes = errorCodes(parsed);
  const more = details([
    f.requestId ? `request id: ${f.requestId}` : null,
    f.attempts > 1 ? `${f.attempts} attempts` : null,
    f.body.trim().length > 0 ? `body: ${excerpt(f.body, 1000)}` : null,
  ]);
  if (f.status === 401) {
    const where = f.envKey ? `sign in with an API key (Settings in the web app, or account/login/start) or set ${f.envKey}` : 'sign in with an API key (Settings in the web app, or account/login/start)';
    return { message: `${head}. Check the API key: ${where}.`, codexErrorInfo: 'unauthorized', additionalDetails: more };
  }
  if (f.status === 400) {
    if (codes.includes('context_length_exceeded')) {
      return { message: `${head}. The conversation is too long for the model's context window.`, codexErrorInfo: 'contextWindowExceeded', additionalDetails: more };
    }
    return { message: head, codexErrorInfo: 'badRequest', additionalDetails: more };
  }
  if (f.status === 429) {
    if (codes.some((c) => USAGE_LIMIT_CODES.has(c))) {
      return { message: `${head}. The account's usage limit or quota is reached; check the plan and billing.`, codexErrorInfo: 'usageLimitExceeded', additionalDetails: more };
    }
    return {
      message: `${head}. Still rate limited after ${f.attempts} attempts; wait and try again.`,
      codexErrorInfo: { responseTooManyFailedAttempts: { httpStatusCode: 429 } },
      additionalDetails: more,
    };
  }
  if (f.status === 503 && codes.some((c) => OVERLOADED_CODES.has(c))) {
    return { message: `${head}. The model provider is overloaded; try again later.`, codexErrorInfo: 'serverOverloaded', additionalDetails: more };
  }
  const suffix = f.exhausted ? ` (gave up after ${f.attempts} attempts)` : '';
  return { message: `${head}${suffix}`, codexErrorInfo: { httpConnectionFailed: { httpStatusCode: f.status } }, additionalDetails: more };
}

/** A fetch rejection's most useful words: `ECONNREFUSED 127.0.0.1:1`, `getaddrinfo ENOTFOUND x`, ... */
export function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return err.message;
}

export function connectError(url: string, reason: string, attempts: number): ModelError {
  return {
    message: `could not connect to the model provider at ${url}: ${reason}${attempts > 1 ? ` (gave up after ${attempts} attempts)` : ''}. Check base_url in config.toml and the network.`,
    codexErrorInfo: { httpConnectionFailed: { httpStatusCode: null } },
    additionalDetails: `Connection failed: ${reason}`,
  };
}

export function notAnEventStreamError(url: string, status: number, contentType: string, body: string): ModelError {
  return {
    message: `expected an event stream (text/event-stream) from ${url} but got status ${status} with content-type "${contentType}": ${bodySummary(body)}`,
    codexErrorInfo: { responseStreamConnectionFailed: { httpStatusCode: status } },
    additionalDetails: body.trim().length > 0 ? `body: ${excerpt(body, 1000)}` : null,
  };
}

export function streamDisconnectedError(reason: string, attempts: number): ModelError {
  return {
    message: `stream disconnected before completion: ${reason}${attempts > 1 ? ` (gave up after ${attempts} attempts)` : ''}`,
    codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: null } },
    additionalDetails: reason,
  };
}

export function malformedStreamError(reason: string, attempts: number): ModelError {
  return {
    message: `the model provider sent a malformed event stream: ${reason}${attempts > 1 ? ` (gave up after ${attempts} attempts)` : ''}`,
    codexErrorInfo: 'other',
    additionalDetails: reason,
  };
}

export interface ResponseFailure {
  code: string | null;
  message: string | null;
  responseId: string | null;
}

/** Whether a `response.failed` code is transient (worth re-sending the request within stream_max_retries). */
export function isRetryableFailureCode(code: string | null): boolean {
  return code === null || code === 'server_error' || code === 'rate_limit_exceeded' || OVERLOADED_CODES.has(code);
}

export function responseFailedError(f: ResponseFailure, attempts = 1): ModelError {
  const what = f.message ?? 'no error message';
  const head = `the model provider reported response.failed${f.code ? ` (${f.code})` : ''}: ${excerpt(what, 500)}`;
  const tail = attempts > 1 ? ` (gave up after ${attempts} attempts)` : '';
  const more = details([f.responseId ? `response id: ${f.responseId}` : null, f.code ? `code: ${f.code}` : null]);
  let info: CodexErrorInfo = 'other';
  let hint = '';
  if (f.code === 'context_length_exceeded') {
    info = 'contextWindowExceeded';
    hint = ". The conversation is too long for the model's context window";
  } else if (f.code !== null && USAGE_LIMIT_CODES.has(f.code)) {
    info = 'usageLimitExceeded';
    hint = ". The account's usage limit or quota is reached";
  } else if (f.code === 'invalid_prompt') {
    info = 'badRequest';
  } else if (f.code !== null && OVERLOADED_CODES.has(f.code)) {
    info = 'serverOverloaded';
  } else if (f.code === 'rate_limit_exceeded') {
    info = 'rateLimitExceeded';
  } else if (f.code === 'server_error') {
    info = 'internalServerError';
  }
  return { message: `${head}${hint}${tail}`, codexErrorInfo: info, additionalDetails: more };
}

export function incompleteError(reason: string | null, responseId: string | null): ModelError {
  const why = reason ?? 'unknown reason';
  const hint = why === 'max_output_tokens' ? '; the model hit its output token limit' : why === 'content_filter' ? '; the output was stopped by a content filter' : '';
  return {
    message: `the model's response was incomplete (reason: ${why})${hint}`,
    codexErrorInfo: 'other',
    additionalDetails: details([responseId ? `response id: ${responseId}` : null, `incomplete_details.reason: ${why}`]),
  };
}

export function retryAfterTooLongError(url: string, status: number, waitMs: number, limitMs: number): ModelError {
  return {
    message: `the model provider at ${url} answered ${status} and asked to retry after ${Math.ceil(waitMs / 1000)} s, longer than the ${Math.round(limitMs / 1000)} s this server waits; try again later.`,
    codexErrorInfo: status === 429 ? { responseTooManyFailedAttempts: { httpStatusCode: status } } : { httpConnectionFailed: { httpStatusCode: status } },
    additionalDetails: `Retry-After: ${Math.ceil(waitMs / 1000)} s`,
  };
}

export function configError(message: string): ModelError {
  return { message, codexErrorInfo: 'other', additionalDetails: null };
}

export function missingKeyError(envKey: string): ModelError {
  return {
    message: `no API key for the model provider: sign in with an API key (Settings in the web app, or account/login/start) or set the environment variable ${envKey}.`,
    codexErrorInfo: 'unauthorized',
    additionalDetails: null,
  };
}
