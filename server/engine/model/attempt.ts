// One HTTP attempt of a Responses call: connect, check the status, read the SSE stream until it completes, fails
// or goes quiet. It yields the stream's events and returns how it ended; the retry loop (client.ts) decides what
// comes next.
import {
  connectError,
  describeFetchError,
  httpStatusError,
  isRetryableFailureCode,
  isRetryableStatus,
  malformedStreamError,
  type ModelError,
  notAnEventStreamError,
  responseFailedError,
  streamDisconnectedError,
} from './errors';
import { parseRetryAfter } from '../../util/retry';
import type { ModelEvent, RetryReason } from './events';
import { interpretFrame } from './frames';
import { type SseFrame, SseError, SseParser } from './sse';

const ERROR_BODY_LIMIT = 64 * 1024;

/** "Please try again in 1.5s" / "in 350ms" inside an upstream error message. */
function delayFromMessage(message: string | null | undefined): number | null {
  const m = message ? /try again in\s+(\d+(?:\.\d+)?)\s*(ms|s)\b/i.exec(message) : null;
  if (!m) return null;
  const n = Number(m[1]);
  return Math.ceil(m[2]!.toLowerCase() === 'ms' ? n : n * 1000);
}

export type Budget = 'request' | 'stream';

/** How one HTTP attempt ended. */
export type AttemptOutcome =
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

export interface AttemptContext {
  url: string;
  init: { method: 'POST'; headers: Headers; body: string };
  /** stream_idle_timeout_ms: no bytes for this long ends the attempt. */
  idleTimeoutMs: number;
  userSignal: AbortSignal | undefined;
  envKey: string | null;
  attempts: number;
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

export async function* runAttempt(ctx: AttemptContext, used: Record<Budget, number>): AsyncGenerator<ModelEvent, AttemptOutcome, undefined> {
  const { url, idleTimeoutMs } = ctx;
  const controller = new AbortController();
  const unlink = linkSignal(ctx.userSignal, controller);
  const idle = new IdleTimer(idleTimeoutMs, () => controller.abort(new Error('idle timeout')));
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
      const detail = idle.fired ? `no response within ${idleTimeoutMs} ms` : describeFetchError(err);
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
        if (idle.fired) return streamRetry('idleTimeout', `no data for ${idleTimeoutMs} ms (stream_idle_timeout_ms)`, null);
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
