import { MAX_MESSAGE_BYTES } from '../protocol/errors';
import type { Services } from '../services/services';
import { RpcConnection } from './connection';
import { methods } from './methods';
import { log } from '../util/log';

/**
 * JSON-RPC over stdio: one message per line. stdout carries protocol lines only. A line longer
 * than the limit is skipped up to its newline and answered with one error; the pipe keeps working.
 */
export function serveStdio(services: Services, onEnd: () => void): RpcConnection {
  // Lines written in one event-loop turn leave in one write (a 20,000-delta stream would otherwise
  // queue 20,000 small chunks on the pipe).
  let out: string[] = [];
  let outBytes = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (out.length === 0) return;
    const chunk = out.join('\n') + '\n';
    out = [];
    outBytes = 0;
    process.stdout.write(chunk);
  };
  const conn = new RpcConnection(services, methods, {
    send: (text) => {
      out.push(text);
      outBytes += text.length;
      if (outBytes >= 64 * 1024) flush();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    bufferedBytes: () => process.stdout.writableLength + outBytes,
    close: () => process.stdin.destroy(),
  });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let discarding = false;
  let discardedBytes = 0;

  const flushLine = (tail: Buffer) => {
    if (discarding) {
      conn.handleFrame('', discardedBytes + tail.length);
      discarding = false;
      discardedBytes = 0;
      return;
    }
    const line = Buffer.concat([...pending, tail]).toString('utf8').replace(/\r$/, '');
    pending = [];
    pendingBytes = 0;
    if (line.trim().length > 0) conn.handleFrame(line);
  };

  process.stdin.on('data', (chunk: Buffer) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      flushLine(chunk.subarray(start, nl));
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    if (discarding) discardedBytes += rest.length;
    else if (pendingBytes + rest.length > MAX_MESSAGE_BYTES) {
      discarding = true;
      discardedBytes = pendingBytes + rest.length;
      pending = [];
      pendingBytes = 0;
    } else {
      pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
    }
  });
  // The client closed its end of our stdout: nobody can read answers any more, so stop cleanly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') log.error('stdout failed', err);
    conn.onClosed();
    onEnd();
  });
  process.stdin.on('end', () => {
    if (pendingBytes > 0) flushLine(Buffer.alloc(0));
    flush();
    conn.onClosed();
    onEnd();
  });
  return conn;
}
