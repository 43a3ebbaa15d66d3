// GET {base_url}/models: the model ids a provider offers, for model/list (docs/protocol.md#methods).
import { describeFetchError } from './errors';
import { buildHeaders, resolveAuth, type ModelProvider } from './request';

const MODELS_FETCH_TIMEOUT_MS = 2_000;
/** Body bytes read at most, and ids kept at most: a provider's list is small, a runaway one is cut. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_MODEL_IDS = 1_000;

type ProviderModelsResult = { ok: true; ids: string[] } | { ok: false; reason: string };

/** `{base_url}/models` with `query_params` (a query already in base_url is kept). */
function modelsUrl(provider: ModelProvider): string {
  const url = new URL(provider.base_url);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/models`;
  for (const [k, v] of Object.entries(provider.query_params ?? {})) url.searchParams.set(k, v);
  return url.toString();
}

/** Ids from an OpenAI-style `{data: [{id}]}` list, or a Codex-style `{models: [{slug | id}]}` one. */
function parseModelIds(body: unknown): string[] | null {
  if (typeof body !== 'object' || body === null) return null;
  const list = (body as { data?: unknown }).data ?? (body as { models?: unknown }).models;
  if (!Array.isArray(list)) return null;
  const ids: string[] = [];
  for (const entry of list) {
    const id = typeof entry === 'string' ? entry : (entry as { id?: unknown; slug?: unknown } | null)?.id ?? (entry as { slug?: unknown } | null)?.slug;
    if (typeof id === 'string' && id.length > 0 && id.length <= 256 && !ids.includes(id)) ids.push(id);
    if (ids.length >= MAX_MODEL_IDS) break;
  }
  return ids;
}

/** The body as text, or null once it passes MAX_BODY_BYTES (the rest is not read). */
async function readCapped(res: Response): Promise<string | null> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    // Leaving the loop early cancels the stream.
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The provider's model ids, with the same auth and headers as a model request. Never throws: an
 * unreachable provider, a timeout, an HTTP error or a body we cannot read is `{ok: false, reason}`.
 */
export async function fetchProviderModelIds(
  provider: ModelProvider,
  apiKey: string | null,
  opts: { timeoutMs?: number; env?: Record<string, string | undefined> } = {},
): Promise<ProviderModelsResult> {
  const env = opts.env ?? process.env;
  let url: string;
  try {
    url = modelsUrl(provider);
  } catch {
    return { ok: false, reason: `invalid base_url ${provider.base_url}` };
  }
  const auth = resolveAuth(provider, apiKey, env);
  const headers = buildHeaders({ provider }, auth.token, env);
  headers.set('accept', 'application/json');
  headers.delete('content-type');
  try {
    const res = await fetch(url, { method: 'GET', headers, signal: AbortSignal.timeout(opts.timeoutMs ?? MODELS_FETCH_TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      return { ok: false, reason: `HTTP ${res.status}` };
    }
    const text = await readCapped(res);
    if (text === null) return { ok: false, reason: `body is over ${MAX_BODY_BYTES} bytes` };
    const ids = parseModelIds(JSON.parse(text));
    return ids ? { ok: true, ids } : { ok: false, reason: 'the body has no model list' };
  } catch (err) {
    return { ok: false, reason: describeFetchError(err) };
  }
}
