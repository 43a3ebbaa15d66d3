import type { ResolvedProvider } from '../../config/load';
import { abortableSleep, backoffDelay, DEFAULT_RETRY_MAX_MS, retryBaseMs } from '../../util/retry';
import { DEFAULT_REQUEST_MAX_RETRIES } from '../model/client';
import { UpstreamSocket } from './transport';


/** Joins a WebRTC call's sideband WebSocket, retried within the provider's `request_max_retries` (docs/realtime.md#sideband-join). */
export async function joinSideband(opts: {
  url: string;
  headers: Record<string, string>;
  provider: ResolvedProvider;
  signal: AbortSignal;
  env?: Record<string, string | undefined>;
}): Promise<UpstreamSocket> {
  const env = opts.env ?? process.env;
  const maxRetries = opts.provider.request_max_retries ?? DEFAULT_REQUEST_MAX_RETRIES;
  const baseMs = retryBaseMs(env);
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await UpstreamSocket.connect(opts.url, opts.headers, opts.signal);
    } catch (err) {
      if (opts.signal.aborted || attempt > maxRetries) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Error(`failed to join the realtime sideband${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${reason}`);
      }
      await abortableSleep(backoffDelay(attempt, { baseMs, maxMs: DEFAULT_RETRY_MAX_MS }), opts.signal);
    }
  }
}
