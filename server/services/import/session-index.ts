// Thread names from a Codex home's `session_index.jsonl`. Codex only appends to it (a rename adds an entry; the
// last entry of an id wins), so after the first read only the bytes appended since are read: live sync looks at
// it on every tick that imports something (every 500 ms while the CLI writes), and a long history holds tens of
// thousands of entries (70,000 are 10 MB, ~80 ms to parse whole). A file that shrank or was replaced (another
// inode, or other first bytes: a new file may reuse the old one's inode) is read again from its start. Read a
// chunk at a time (lines.ts); a line past MAX_NAME_LINE_BYTES is skipped unread.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { readLines } from './lines';

/** An entry is an id, a name and a timestamp: a longer line is not one and is skipped. */
const MAX_NAME_LINE_BYTES = 64 * 1024;
/** A name is kept to this many characters. */
const MAX_NAME_CHARS = 512;
/** How many of the file's first bytes tell it from a file that replaced it. */
const HEAD_BYTES = 256;

export interface SessionNames {
  /** Every name now. */
  names: ReadonlyMap<string, string>;
  /** The entries read by this call (all of them on the first read, or after the file was replaced). */
  changed: ReadonlyMap<string, string>;
}

export class SessionIndex {
  private names = new Map<string, string>();
  /** The end of the last complete line read. */
  private offset = 0;
  private identity: string | null = null;
  /** The file's first bytes as last read (up to HEAD_BYTES). */
  private head: Buffer = Buffer.alloc(0);
  private readonly file: string;

  constructor(codexHome: string) {
    this.file = path.join(codexHome, 'session_index.jsonl');
  }

  /** What is new since the last call (a file stat when nothing is). */
  read(): SessionNames {
    const changed = new Map<string, string>();
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch {
      // Absent (or unreadable): no names, and a file made later is read from its start.
      this.reset();
      return { names: this.names, changed };
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) {
        this.reset();
        return { names: this.names, changed };
      }
      const identity = `${st.dev}:${st.ino}`;
      if (identity !== this.identity || st.size < this.offset || !headOf(fd, this.head.length).equals(this.head)) {
        this.reset();
        this.identity = identity;
      }
      if (this.head.length < HEAD_BYTES && st.size > this.head.length) this.head = headOf(fd, Math.min(HEAD_BYTES, st.size));
      this.offset = readLines(fd, this.offset, st.size, MAX_NAME_LINE_BYTES, (line) => {
        const entry = line === null ? null : parseEntry(line);
        if (!entry) return;
        this.names.set(entry.id, entry.name);
        changed.set(entry.id, entry.name);
      });
    } finally {
      closeSync(fd);
    }
    return { names: this.names, changed };
  }

  private reset(): void {
    this.names = new Map();
    this.offset = 0;
    this.identity = null;
    this.head = Buffer.alloc(0);
  }
}

function headOf(fd: number, bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  return buf.subarray(0, bytes > 0 ? readSync(fd, buf, 0, bytes, 0) : 0);
}

function parseEntry(line: string): { id: string; name: string } | null {
  if (!line.trim()) return null;
  try {
    const v = JSON.parse(line) as { id?: unknown; thread_name?: unknown } | null;
    if (v === null || typeof v !== 'object') return null;
    if (typeof v.id !== 'string' || typeof v.thread_name !== 'string' || !v.thread_name.trim()) return null;
    return { id: v.id, name: v.thread_name.trim().slice(0, MAX_NAME_CHARS) };
  } catch {
    return null;
  }
}
