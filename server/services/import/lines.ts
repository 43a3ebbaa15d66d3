// Reading a growing JSONL file a chunk at a time: only complete lines are handed on (an unterminated last line is
// still being written, and is read next time from the returned offset), and a line longer than `maxLineBytes`
// is skipped unread, so a line is the largest thing ever held.
import { readSync } from 'node:fs';

const CHUNK_BYTES = 1024 * 1024;

/**
 * Calls `onLine` for each complete line of `fd` in [from, size): its text, or null for a line skipped as too
 * long, and the offset just past it. `onLine` returning false stops the read. Returns the offset after the last
 * line handed on.
 */
export function readLines(fd: number, from: number, size: number, maxLineBytes: number, onLine: (text: string | null, end: number) => boolean | void): number {
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  let parts: Buffer[] = [];
  let partBytes = 0;
  let skipping = false;
  let pos = from;
  let done = from;
  while (pos < size) {
    const n = readSync(fd, buf, 0, Math.min(CHUNK_BYTES, size - pos), pos);
    if (n <= 0) break;
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl >= 0 && nl < n; nl = buf.indexOf(10, start)) {
      const text = skipping ? null : partBytes > 0 ? Buffer.concat([...parts, buf.subarray(start, nl)]).toString('utf8') : buf.toString('utf8', start, nl);
      skipping = false;
      parts = [];
      partBytes = 0;
      start = nl + 1;
      if (onLine(text, pos + start) === false) return done;
      done = pos + start;
    }
    if (start < n && !skipping) {
      partBytes += n - start;
      if (partBytes > maxLineBytes) {
        skipping = true;
        parts = [];
        partBytes = 0;
      } else parts.push(Buffer.from(buf.subarray(start, n)));
    }
    pos += n;
  }
  return done;
}
