import type { ResolvedProvider } from '../../config/load';
import { abortableSleep, backoffDelay, DEFAULT_RETRY_MAX_MS, parseRetryAfter, retryBaseMs } from '../../util/retry';
import { DEFAULT_REQUEST_MAX_RETRIES } from '../model/client';
import { connectError, describeFetchError, httpStatusError, isRetryableStatus } from '../model/errors';
import { realtimeHeaders } from './url';

export const CALL_BOUNDARY = 'codex-realtime-call-boundary';
export const HIGH_DEMAND_MESSAGE = "We're currently experiencing high demand, which may cause temporary errors.";

/** A call-create failure whose message is safe to show as `thread/realtime/error`. */
export class RealtimeCallError extends Error {}

/** The multipart body, byte for byte as the reference sends it (docs/realtime.md#webrtc-call-creation). */
export function multipartCallBody(sdp: string, sessionJson: string): string {
  return (
    `--${CALL_BOUNDARY}\r\nContent-Disposition: form-data; name="sdp"\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n` +
    `--${CALL_BOUNDARY}\r\nContent-Disposition: form-data; name="session"\r\nContent-Type: application/json\r\n\r\n${sessionJson}\r\n` +
    `--${CALL_BOUNDARY}--\r\n`
  );
}

/** The call id: the last path segment of `Location` that starts with `rtc_` (query stripped). */
export function callIdFromLocation(location: string | null): string {
  if (location === null) throw new RealtimeCallError('realtime call response missing Location');
  const segments = location.split('?')[0]!.split('/');
  const id = segments.reverse().find((s) => s.startsWith('rtc_') && s.length > 4);
  if (!id) throw new RealtimeCallError(`realtime call Location does not contain a call id: ${location}`);
  return id;
}

export interface CreateCallOptions {
  provider: ResolvedProvider;
  token: string | null;
  envKey: string | null;
  sessionId: string;
  offerSdp: string;
  sessionJson: string;
  userAgent: string;
  signal: AbortSignal;
  env?: Record<string, string | undefined>;
}


/**
 * POST `{base_url}/realtime/calls` with the browser's offer; resolves with the answer SDP and call id.
 * Connect errors, 429 and 5xx are retried within `request_max_retries`; a 5xx that survives them is
 * reported as the reference's "high demand" message.
 */
export async function createRealtimeCall(opts: CreateCallOptions): Promise<{ answerSdp: string; callId: string }> {
  const env = opts.env ?? process.env;
  const url = `${opts.provider.base_url.replace(/\/+$/, '')}/realtime/calls`;
  const chatgptRoute = opts.provider.base_url.includes('/backend-api');
  const headers = realtimeHeaders({ provider: opts.provider, sessionId: opts.sessionId, token: opts.token, userAgent: opts.userAgent, env });
  const body = chatgptRoute ? JSON.stringify({ sdp: opts.offerSdp, session: JSON.parse(opts.sessionJson) as unknown }) : multipartCallBody(opts.offerSdp, opts.sessionJson);
  headers['Content-Type'] = chatgptRoute ? 'application/json' : `multipart/form-data; boundary=${CALL_BOUNDARY}`;
  const maxRetries = opts.provider.request_max_retries ?? DEFAULT_REQUEST_MAX_RETRIES;
  const retry = { baseMs: retryBaseMs(env), maxMs: DEFAULT_RETRY_MAX_MS };

  for (let attempt = 1; ; attempt += 1) {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body, signal: opts.signal });
    } catch (err) {
      if (opts.signal.aborted) throw new RealtimeCallError('realtime call creation was cancelled');
      if (attempt > maxRetries) throw new RealtimeCallError(connectError(url, describeFetchError(err), attempt).message);
      await abortableSleep(backoffDelay(attempt, retry), opts.signal);
      continue;
    }
    const text = await res.text();
    if (res.ok) return { answerSdp: text, callId: callIdFromLocation(res.headers.get('location')) };
    if (isRetryableStatus(res.status, text) && attempt <= maxRetries) {
      await abortableSleep(parseRetryAfter(res.headers) ?? backoffDelay(attempt, retry), opts.signal);
      continue;
    }
    if (res.status >= 500) throw new RealtimeCallError(HIGH_DEMAND_MESSAGE);
    const mapped = httpStatusError({
      url,
      status: res.status,
      statusText: res.statusText,
      body: text,
      requestId: res.headers.get('x-request-id'),
      attempts: attempt,
      exhausted: attempt > maxRetries,
      envKey: opts.envKey,
    });
    throw new RealtimeCallError(mapped.message);
  }
}
