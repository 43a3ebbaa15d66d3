import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';

/** Our file in the home: the `serve` access token, one line, mode 0600. */
export const ACCESS_TOKEN_FILE = 'codex-web-access-token';

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43,}$/;
const SESSION_MAX_AGE_S = 30 * 24 * 3600;

export class AccessTokenError extends Error {}

/**
 * Reads `<home>/codex-web-access-token`, or creates it (32 random bytes, base64url) on first start
 * or when `rotate` is set. Written to a temp file and renamed, so a crash never leaves half a token.
 */
export function loadAccessToken(home: string, rotate: boolean): { token: string; file: string; created: boolean } {
  const file = path.join(home, ACCESS_TOKEN_FILE);
  if (!rotate && existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (!TOKEN_SHAPE.test(token)) {
      throw new AccessTokenError(`${file} does not hold a token codex-web wrote; start once with --rotate-token to replace it`);
    }
    if ((statSync(file).mode & 0o777) !== 0o600) chmodSync(file, 0o600);
    return { token, file, created: false };
  }
  const token = randomBytes(32).toString('base64url');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600, flag: 'w' });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return { token, file, created: true };
}

/** Equal-length digests, so the comparison takes the same time whatever the input's length. */
function digestEquals(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function cookieValue(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/**
 * Who may use `serve`: holders of the access token (`Authorization: Bearer`) or of the session
 * cookie the login link sets. The cookie is an HMAC of the token, so it needs no server-side state,
 * survives restarts, and every session ends when the token is rotated. `token === null` is
 * `--no-auth` (loopback only): everyone is let in.
 */
export class AccessControl {
  private readonly session: string | null;

  constructor(private readonly token: string | null) {
    this.session = token === null ? null : createHmac('sha256', token).update('codex-web session v1').digest('base64url');
  }

  get enabled(): boolean {
    return this.token !== null;
  }

  /** Cookies are not isolated by port: name them after it so two servers on one host don't collide. */
  cookieName(req: IncomingMessage): string {
    return `codex_web_session_${req.socket.localPort ?? 0}`;
  }

  tokenMatches(candidate: string): boolean {
    return this.token !== null && digestEquals(candidate, this.token);
  }

  authenticated(req: IncomingMessage): boolean {
    if (this.token === null || this.session === null) return true;
    const auth = req.headers.authorization;
    if (auth !== undefined && /^Bearer /i.test(auth) && this.tokenMatches(auth.slice(7).trim())) return true;
    const cookie = cookieValue(req, this.cookieName(req));
    return cookie !== null && digestEquals(cookie, this.session);
  }

  /** The Set-Cookie value that logs this browser in. */
  sessionCookie(req: IncomingMessage): string {
    if (this.session === null) throw new Error('no session without an access token');
    // Secure only when a TLS proxy tells us the browser is on https; on plain http it would be dropped.
    const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
    return `${this.cookieName(req)}=${this.session}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MAX_AGE_S}${secure}`;
  }
}
