// Retry timing, one copy for the model client and the realtime broker: exponential backoff with jitter, a sleep
// that stops with its session, the server's Retry-After, and the env override tests use to retry fast.

/** First backoff delay; env CODEX_WEB_MODEL_RETRY_BASE_MS overrides it (see retryBaseMs). */
export const DEFAULT_RETRY_BASE_MS = 200;
/** Longest backoff delay. */
export const DEFAULT_RETRY_MAX_MS = 10_000;
/** Backoff delays vary by ±20 %. */
export const DEFAULT_RETRY_JITTER = 0.2;
export const RETRY_BASE_ENV = 'CODEX_WEB_MODEL_RETRY_BASE_MS';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Fraction the delay varies by either way; default 0.2. */
  jitter?: number;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
}

/** Exponential backoff for the n-th retry (1-based): base·2^(n-1), ±jitter, capped at maxMs. */
export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const { baseMs, maxMs, jitter = DEFAULT_RETRY_JITTER, random = Math.random } = opts;
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(Math.min(maxMs, exp * (1 - jitter + 2 * jitter * random())));
}

/** The backoff base: env CODEX_WEB_MODEL_RETRY_BASE_MS when it is a number >= 0, else 200 ms. */
export function retryBaseMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env[RETRY_BASE_ENV];
  const value = Number(raw);
  return raw && Number.isFinite(value) && value >= 0 ? value : DEFAULT_RETRY_BASE_MS;
}

/** Resolves true after `ms`, false as soon as `signal` aborts (at once if it already has). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<boolean> {
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
