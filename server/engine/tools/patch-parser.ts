// Parser for the Codex patch format:
//   *** Begin Patch
//   *** Add File: path          then lines starting with '+'
//   *** Delete File: path
//   *** Update File: path       optionally followed by '*** Move to: path', then chunks:
//   @@ [context line]           ' ' context, '-' removed, '+' added; an empty line is an empty context line;
//   *** End of File             the chunk must match at the end of the file
//   *** End Patch
// Lenient like codex: surrounding whitespace on marker lines is ignored, a heredoc wrapper (<<'EOF' ... EOF) is
// stripped, and the first chunk of an update may omit its '@@'.

export interface UpdateChunk {
  /** The `@@ <text>` line to seek before the chunk's lines, if any. */
  context: string | null;
  oldLines: string[];
  newLines: string[];
  isEndOfFile: boolean;
}

export type PatchHunk =
  | { type: 'add'; path: string; contents: string }
  | { type: 'delete'; path: string }
  | { type: 'update'; path: string; movePath: string | null; chunks: UpdateChunk[] };

export class PatchParseError extends Error {
  constructor(message: string, readonly line?: number) {
    super(line === undefined ? `invalid patch: ${message}` : `invalid patch (line ${line}): ${message}`);
    this.name = 'PatchParseError';
  }
}

const BEGIN = '*** Begin Patch';
const END = '*** End Patch';
const ADD = '*** Add File: ';
const DELETE = '*** Delete File: ';
const UPDATE = '*** Update File: ';
const MOVE = '*** Move to: ';
const EOF_MARKER = '*** End of File';

function stripHeredoc(lines: string[]): string[] {
  const first = lines[0]?.trim() ?? '';
  const m = /^<<\s*(['"]?)(\w+)\1$/.exec(first);
  if (m && lines.length >= 2 && lines[lines.length - 1]!.trim() === m[2]) return lines.slice(1, -1);
  return lines;
}

function isHunkHeader(line: string): boolean {
  const t = line.trim();
  return t.startsWith(ADD) || t.startsWith(DELETE) || t.startsWith(UPDATE) || t === END;
}

function pathAfter(line: string, prefix: string, lineNo: number): string {
  const p = line.trim().slice(prefix.length).trim();
  if (!p) throw new PatchParseError(`missing path after '${prefix.trim()}'`, lineNo);
  return p;
}

export function parsePatch(text: string): PatchHunk[] {
  let lines = text.replace(/\r\n/g, '\n').trim().split('\n');
  lines = stripHeredoc(lines);
  if (lines[0]?.trim() !== BEGIN) throw new PatchParseError(`the first line of the patch must be '${BEGIN}'`);
  if (lines[lines.length - 1]?.trim() !== END) throw new PatchParseError(`the last line of the patch must be '${END}'`);
  const hunks: PatchHunk[] = [];
  let i = 1;
  const last = lines.length - 1;
  while (i < last) {
    const line = lines[i]!;
    const lineNo = i + 1;
    const t = line.trim();
    if (t === '') {
      i++;
      continue;
    }
    if (t.startsWith(ADD)) {
      const path = pathAfter(line, ADD, lineNo);
      i++;
      let contents = '';
      while (i < last && lines[i]!.startsWith('+')) contents += `${lines[i++]!.slice(1)}\n`;
      hunks.push({ type: 'add', path, contents });
    } else if (t.startsWith(DELETE)) {
      hunks.push({ type: 'delete', path: pathAfter(line, DELETE, lineNo) });
      i++;
    } else if (t.startsWith(UPDATE)) {
      const path = pathAfter(line, UPDATE, lineNo);
      i++;
      let movePath: string | null = null;
      if (i < last && lines[i]!.trim().startsWith(MOVE)) movePath = pathAfter(lines[i]!, MOVE, ++i);
      const [chunks, next] = parseChunks(lines, i, last, path);
      hunks.push({ type: 'update', path, movePath, chunks });
      i = next;
    } else {
      throw new PatchParseError(
        `'${t}' is not a valid hunk header. Valid hunk headers: '*** Add File: {path}', '*** Delete File: {path}', '*** Update File: {path}'`,
        lineNo,
      );
    }
  }
  return hunks;
}

function parseChunks(lines: string[], start: number, last: number, path: string): [UpdateChunk[], number] {
  const chunks: UpdateChunk[] = [];
  let cur: UpdateChunk | null = null;
  let i = start;
  const open = (context: string | null): UpdateChunk => {
    const c: UpdateChunk = { context, oldLines: [], newLines: [], isEndOfFile: false };
    chunks.push(c);
    return c;
  };
  for (; i < last; i++) {
    const line = lines[i]!;
    const t = line.trim();
    if (isHunkHeader(line)) break;
    if (t === '@@' || t.startsWith('@@ ')) {
      cur = open(t === '@@' ? null : t.slice(3));
      continue;
    }
    if (t === EOF_MARKER) {
      if (!cur) throw new PatchParseError(`'${EOF_MARKER}' before any change lines in update of '${path}'`, i + 1);
      cur.isEndOfFile = true;
      cur = null;
      continue;
    }
    if (!cur) {
      if (chunks.length > 0) throw new PatchParseError(`expected '@@' to start the next chunk of '${path}', found '${line}'`, i + 1);
      cur = open(null);
    }
    const chunk = cur;
    if (line === '') {
      chunk.oldLines.push('');
      chunk.newLines.push('');
      continue;
    }
    const body = line.slice(1);
    switch (line[0]) {
      case ' ':
        chunk.oldLines.push(body);
        chunk.newLines.push(body);
        break;
      case '-':
        chunk.oldLines.push(body);
        break;
      case '+':
        chunk.newLines.push(body);
        break;
      default:
        throw new PatchParseError(
          `unexpected line in update of '${path}': '${line}'. Every line should start with ' ' (context line), '+' (added line), or '-' (removed line)`,
          i + 1,
        );
    }
  }
  const real = chunks.filter((c) => c.oldLines.length > 0 || c.newLines.length > 0);
  if (real.length === 0) throw new PatchParseError(`update file hunk for path '${path}' is empty`, start);
  return [real, i];
}
