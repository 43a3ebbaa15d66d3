import { createServer, type Server } from 'node:http';

export interface MockUpstream {
  /** e.g. http://127.0.0.1:PORT — config.toml gets `${url}/v1` like the seeds. */
  url: string;
  /** Paths of the requests received, to assert that nothing (or something) went upstream. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Stands in for the OpenAI API on 127.0.0.1: every request gets an empty 404, like the seeds'
 * `create_mock_responses_server_sequence_unchecked(Vec::new())`.
 */
export function startMockUpstream(): Promise<MockUpstream> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(404, { 'content-length': '0' }).end();
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (typeof addr !== 'object' || !addr) return reject(new Error('mock upstream has no address'));
      resolve({
        url: `http://127.0.0.1:${addr.port}`,
        requests,
        close: () => new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}
