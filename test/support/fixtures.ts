import type { TestContext } from 'node:test';
import { createTempHome, type TempHome } from './home';
import { startMockUpstream, type MockUpstream } from './mock-upstream';
import { startStdioServer, type StdioClient } from './server-process';
import { startWsServer, type WsServer } from './ws-client';

export interface HomeFixture {
  home: TempHome;
  upstream: MockUpstream;
}

/** A temp home whose config.toml points at a 404-only mock upstream; both removed after the test. */
export async function homeFixture(t: TestContext): Promise<HomeFixture> {
  const upstream = await startMockUpstream();
  const home = createTempHome({ upstreamUrl: upstream.url });
  t.after(async () => {
    await upstream.close();
    home.remove();
  });
  return { home, upstream };
}

/** Spawns the stdio server on `home`; it is killed after the test. */
export function stdioServer(t: TestContext, home: string, args: string[] = []): StdioClient {
  const client = startStdioServer({ home, args });
  t.after(() => client.server.kill());
  return client;
}

/** Spawns the WebSocket server on `home`; it and every connection are closed after the test. */
export async function wsServer(t: TestContext, home: string, opts: { host?: string; args?: string[] } = {}): Promise<WsServer> {
  const ws = await startWsServer({ home, ...opts });
  t.after(() => ws.server.kill());
  return ws;
}
