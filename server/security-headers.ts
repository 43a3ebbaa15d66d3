import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the browser may load for a page of ours. The sanitizer (components/lib/markdown.ts) is the first
 * wall against a model answer that tries to make the browser fetch a URL; this is the second: nothing
 * remote for scripts, styles, images, media, fonts, frames or connections, and only our own origin may
 * connect back (HTTP and the WebSocket of the host the page came from).
 */
export interface PagePolicy {
  /** Origins allowed to frame the app (`[web] frame_ancestors`); empty: nobody. */
  frameAncestors: readonly string[];
  /** `serve --dev` (next dev): React's dev build needs eval and injects style elements. */
  dev: boolean;
}

/** A Host header we can put into a CSP source as is: a host name or IP literal and an optional port. */
const HOST_SOURCE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(?::\d{1,5})?$/;

/** 18 random bytes, base64: fresh for every page, so no injected markup can guess it. */
export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

export function frameAncestorsSources(frameAncestors: readonly string[]): string {
  return frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
}

/**
 * The page CSP. Next reads the nonce back from the request's CSP header and puts it on its own inline
 * and external scripts (which is why every page is rendered per request: app/layout.tsx).
 */
export function pageCsp(policy: PagePolicy, nonce: string, host: string | undefined): string {
  const self = "'self'";
  // Chromium's 'self' covers ws(s) to the same host, other browsers did not always: be explicit.
  const sockets = host && HOST_SOURCE.test(host) ? [`ws://${host}`, `wss://${host}`] : [];
  const directives: string[][] = [
    ['default-src', self],
    ['script-src', self, `'nonce-${nonce}'`, ...(policy.dev ? ["'unsafe-eval'"] : [])],
    // A nonce would disable 'unsafe-inline', which next dev's injected style elements need.
    ['style-src', self, policy.dev ? "'unsafe-inline'" : `'nonce-${nonce}'`],
    ['img-src', self, 'data:', 'blob:'],
    ['media-src', self, 'blob:'],
    ['font-src', self],
    ['connect-src', self, ...sockets],
    ['frame-src', "'none'"],
    ['worker-src', self],
    ['manifest-src', self],
    ['object-src', "'none'"],
    ['base-uri', "'none'"],
    ['form-action', self],
    ['frame-ancestors', frameAncestorsSources(policy.frameAncestors)],
  ];
  return directives.map((d) => d.join(' ')).join('; ');
}

/** For everything that is not a page (JSON, plain text, redirects): nothing to load at all. */
export function resourceCsp(policy: PagePolicy): string {
  return `default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors ${frameAncestorsSources(policy.frameAncestors)}`;
}

/**
 * Headers every response gets, before any handler writes: no MIME sniffing, no referrer to other
 * origins, no framing unless configured. A handler may still set its own CSP (the login page does).
 */
export function setBaselineHeaders(res: ServerResponse, policy: PagePolicy): void {
  res.setHeader('x-content-type-options', 'nosniff');
  // Our own fetch() POSTs (mode "cors") still carry Origin under no-referrer, which the same-origin write
  // check (http-common.ts) needs; only no-cors requests and form posts would send `Origin: null`.
  res.setHeader('referrer-policy', 'no-referrer');
  if (policy.frameAncestors.length === 0) res.setHeader('x-frame-options', 'DENY');
  res.setHeader('content-security-policy', resourceCsp(policy));
}

/**
 * A request about to go to Next: a fresh nonce in the request's CSP header (where Next looks for it)
 * and the same policy on the response.
 */
export function preparePageRequest(req: IncomingMessage, res: ServerResponse, policy: PagePolicy): void {
  const csp = pageCsp(policy, newNonce(), req.headers.host);
  // Whatever the client sent is replaced: it must not choose the nonce Next trusts.
  delete req.headers['content-security-policy-report-only'];
  req.headers['content-security-policy'] = csp;
  res.setHeader('content-security-policy', csp);
}
