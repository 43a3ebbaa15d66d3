import { request } from 'node:http';
import type { TestContext } from 'node:test';
import { ServerProcess } from './server-process';

/** `serve` starts Next too: give it longer than a protocol read. */
const SERVE_START_MS = 30_000;

export interface ServeProcess {
  server: ServerProcess;
  port: number;
  /** http://127.0.0.1:PORT — where a local client connects (also for a 0.0.0.0 listener). */
  base: string;
  /** The printed login link and its token; null under --no-auth. */
  loginLink: string | null;
  token: string | null;
}

/**
 * Spawns `serve --port 0` on `home` and waits for its "serving" line (and the login link unless
 * --no-auth), so the OS picks the port and nothing races the bind. Killed after the test.
 */
export async function startServe(t: TestContext, home: string, opts: { host?: string; args?: string[]; cwd?: string } = {}): Promise<ServeProcess> {
  const server = new ServerProcess({ home, command: 'serve', args: ['--host', opts.host ?? '127.0.0.1', '--port', '0', ...(opts.args ?? [])], cwd: opts.cwd });
  t.after(() => server.kill());
  const serving = await server.waitForStderr(/serving http:\/\/\S+:(\d+) /, SERVE_START_MS);
  const port = Number(serving[1]);
  const noAuth = opts.args?.includes('--no-auth') ?? false;
  const link = noAuth ? null : (await server.waitForStderr(/Login link: (http:\/\/\S+)/, SERVE_START_MS))[1]!;
  return { server, port, base: `http://127.0.0.1:${port}`, loginLink: link, token: link === null ? null : new URL(link).searchParams.get('token') };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request: every header as given (fetch would add or forbid some), no redirects followed. */
/** `rawPath` is sent as is (a URL string would be normalized first, e.g. `/.//x` to `//x`). */
export function httpRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string; rawPath?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, ...(opts.rawPath ? { path: opts.rawPath } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
