import net from 'node:net';

/**
 * A plain TCP proxy in front of the server, for tests that need the network to misbehave the way it does
 * in the field: cut every WebSocket from the server side of the client (a network blip; Playwright's
 * setOffline does not close open sockets), or stop reading from the server (a stuck tab: the kernel
 * buffers fill, then the server's `bufferedAmount` grows). A page loaded through it reaches the real
 * server with the same cookies (they are not per port).
 */
export interface TcpProxy {
  port: number;
  /** Connections so far (open or closed). */
  readonly connections: number;
  /** WebSocket connections seen so far (open or closed). */
  readonly webSocketsSeen: number;
  /** Cuts every open WebSocket connection (both sides); returns how many. */
  dropWebSockets(): number;
  /** Stops reading from the server on every open connection. */
  stall(): void;
  /** Reads again. */
  resume(): void;
  close(): Promise<void>;
}

const UPGRADE = /^GET [^\r\n]* HTTP\/1\.1\r\n[\s\S]*?\r\nupgrade:\s*websocket/i;

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  const webSockets = new Set<net.Socket>();
  let connections = 0;
  let seen = 0;
  let stalled: Pair[] = [];
  const server = net.createServer((client) => {
    connections += 1;
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      webSockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.once('data', (first: Buffer) => {
      if (UPGRADE.test(first.toString('latin1'))) {
        webSockets.add(client);
        seen += 1;
      }
      upstream.write(first);
      client.pipe(upstream);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no address');
  return {
    port: address.port,
    get connections() {
      return connections;
    },
    get webSocketsSeen() {
      return seen;
    },
    dropWebSockets() {
      const n = webSockets.size;
      for (const s of [...webSockets]) s.destroy();
      return n;
    },
    stall() {
      stalled = [...pairs];
      for (const { client, upstream } of stalled) {
        upstream.unpipe(client);
        upstream.pause();
      }
    },
    resume() {
      for (const { client, upstream } of stalled) upstream.pipe(client);
      stalled = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of [...pairs]) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
