/**
 * Incremental Server-Sent Events parser (WHATWG "event stream interpretation").
 *
 *   const parser = new SseParser();
 *   for (const frame of parser.push(chunk)) ...   // chunk: string | Uint8Array, split anywhere
 *   parser.end();                                  // flushes the UTF-8 decoder; a trailing event
 *                                                  // without its blank line is dropped, per spec
 *
 * Handles `event:` / `data:` / `id:` / `retry:` fields, multi-line `data` (joined with "\n"),
 * LF / CRLF / CR line endings (also a CRLF split across two chunks), `:` comment lines, a leading BOM
 * and UTF-8 sequences split across chunks. Frames with no `data` lines are not dispatched.
 *
 * JSON decoding is separate and never throws: `parseSseJson(frame)` returns a typed result whose
 * error names the event and shows an excerpt of the offending data.
 */

export interface SseFrame {
  /** The `event:` field, or "message" when the frame had none. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The last `id:` seen on the stream, if any. */
  id: string | null;
}

export class SseError extends Error {
  constructor(
    readonly kind: 'malformedJson' | 'frameTooLarge',
    message: string,
    readonly event: string | null,
    readonly dataExcerpt: string,
  ) {
    super(message);
    this.name = 'SseError';
  }
}

export type SseJsonResult = { ok: true; value: unknown } | { ok: false; error: SseError };

/** Bounds the memory one unterminated line or event can take (a broken upstream must not OOM us). */
export const DEFAULT_MAX_FRAME_BYTES = 32 * 1024 * 1024;

export class SseParser {
  private readonly decoder = new TextDecoder('utf-8');
  private buf = '';
  private skipLeadingLF = false;
  private sawFirstChunk = false;
  private eventType = '';
  private dataLines: string[] = [];
  private dataSize = 0;
  private lastId: string | null = null;

  constructor(private readonly maxFrameChars = DEFAULT_MAX_FRAME_BYTES) {}

  /** Feeds one chunk; returns the frames it completed (possibly none). Throws SseError('frameTooLarge') only. */
  push(chunk: string | Uint8Array): SseFrame[] {
    let text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (!this.sawFirstChunk && text.length > 0) {
      this.sawFirstChunk = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.skipLeadingLF && text.length > 0) {
      if (text.charCodeAt(0) === 10) text = text.slice(1);
      this.skipLeadingLF = false;
    }
    const out: SseFrame[] = [];
    const buf = this.buf.length > 0 ? this.buf + text : text;
    const len = buf.length;
    let start = 0;
    let lf = buf.indexOf('\n', start);
    let cr = buf.indexOf('\r', start);
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        if (cr + 1 < len) {
          next = buf.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
        } else {
          // CR at the very end: a LF starting the next chunk belongs to this line ending.
          next = cr + 1;
          this.skipLeadingLF = true;
        }
      }
      this.line(buf.slice(start, end), out);
      start = next;
      if (lf !== -1 && lf < start) lf = buf.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = buf.indexOf('\r', start);
    }
    this.buf = start === 0 ? buf : buf.slice(start);
    if (this.buf.length + this.dataSize > this.maxFrameChars) {
      const excerpt = this.buf.slice(0, 200);
      this.reset();
      throw new SseError('frameTooLarge', `SSE event exceeds ${this.maxFrameChars} characters without a terminating blank line`, this.eventType || null, excerpt);
    }
    return out;
  }

  /** End of stream: flushes the decoder. An unterminated trailing event is discarded (spec behaviour). */
  end(): SseFrame[] {
    const rest = this.decoder.decode();
    const out = rest.length > 0 ? this.push(rest) : [];
    this.reset();
    return out;
  }

  private reset(): void {
    this.buf = '';
    this.eventType = '';
    this.dataLines = [];
    this.dataSize = 0;
  }

  private line(line: string, out: SseFrame[]): void {
    if (line.length === 0) {
      if (this.dataLines.length > 0) {
        out.push({ event: this.eventType || 'message', data: this.dataLines.join('\n'), id: this.lastId });
      }
      this.eventType = '';
      this.dataLines = [];
      this.dataSize = 0;
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' */) return; // comment / keep-alive
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'data':
        this.dataLines.push(value);
        this.dataSize += value.length + 1;
        if (this.dataSize > this.maxFrameChars) {
          const excerpt = this.dataLines[0]!.slice(0, 200);
          const event = this.eventType || null;
          this.reset();
          throw new SseError('frameTooLarge', `SSE event exceeds ${this.maxFrameChars} characters`, event, excerpt);
        }
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        // `retry` and unknown fields are ignored.
        break;
    }
  }
}

/** Single-line, bounded excerpt of a payload for error messages. */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Decodes a frame's data as JSON; a malformed payload becomes a typed error, never an exception. */
export function parseSseJson(frame: SseFrame): SseJsonResult {
  try {
    return { ok: true, value: JSON.parse(frame.data) as unknown };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const shown = excerpt(frame.data, 200);
    return {
      ok: false,
      error: new SseError('malformedJson', `malformed JSON in SSE event "${frame.event}": ${reason} (data: ${shown})`, frame.event, shown),
    };
  }
}

/** Async iteration over the frames of a byte stream (e.g. a fetch Response body reader). */
export async function* readSseFrames(chunks: AsyncIterable<Uint8Array | string>, parser = new SseParser()): AsyncGenerator<SseFrame> {
  for await (const chunk of chunks) {
    for (const frame of parser.push(chunk)) yield frame;
  }
  for (const frame of parser.end()) yield frame;
}
