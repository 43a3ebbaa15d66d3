// A small line-based unified diff (Myers), so file changes and turn diffs need no dependency.

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Splits text into lines that keep their '\n', so a missing final newline is a visible difference. */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((l) => `${l}\n`);
  const last = lines.pop() as string;
  if (last !== '\n') lines.push(last.slice(0, -1));
  return lines;
}

/** Above this many differing lines the middle is emitted as one delete+insert block (bounded memory). */
const MAX_EDIT_DISTANCE = 2000;

function myers(a: readonly string[], b: readonly string[]): Op[] | null {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDIT_DISTANCE);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[k] for k in [-d-1, d+1] as it was before step d: all that backtracking needs (O(D^2) memory).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  return null;
}

function backtrack(a: readonly string[], b: readonly string[], trace: Int32Array[], dEnd: number): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d]!;
    const at = (k: number) => v[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      y--;
      ops.push({ kind: ' ', line: a[--x]! });
    }
    if (x === prevX) ops.push({ kind: '+', line: b[--y]! });
    else ops.push({ kind: '-', line: a[--x]! });
  }
  while (x > 0 && y > 0) {
    y--;
    ops.push({ kind: ' ', line: a[--x]! });
  }
  return ops.reverse();
}

function diffOps(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const midA = a.slice(pre, a.length - suf);
  const midB = b.slice(pre, b.length - suf);
  const mid = myers(midA, midB) ?? [
    ...midA.map((line) => ({ kind: '-' as const, line })),
    ...midB.map((line) => ({ kind: '+' as const, line })),
  ];
  const same = (line: string): Op => ({ kind: ' ', line });
  return [...a.slice(0, pre).map(same), ...mid, ...a.slice(a.length - suf).map(same)];
}

function range(start: number, len: number): string {
  // GNU/git convention: an empty range names the line before it; a length of 1 is implied.
  const s = len === 0 ? start - 1 : start;
  return len === 1 ? `${s}` : `${s},${len}`;
}

function renderLine(op: Op): string {
  return op.line.endsWith('\n') ? `${op.kind}${op.line}` : `${op.kind}${op.line}\n\\ No newline at end of file\n`;
}

/** The `@@` hunks turning oldText into newText (no file headers); '' when they are equal. */
export function unifiedDiffHunks(oldText: string, newText: string, context = 3): string {
  if (oldText === newText) return '';
  const ops = diffOps(splitLines(oldText), splitLines(newText));
  let out = '';
  let i = 0;
  // Line numbers (1-based) of ops[i] in old and new.
  const oldNo: number[] = [];
  const newNo: number[] = [];
  let o = 1;
  let nn = 1;
  for (const op of ops) {
    oldNo.push(o);
    newNo.push(nn);
    if (op.kind !== '+') o++;
    if (op.kind !== '-') nn++;
  }
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === ' ') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend while the next change is within 2*context unchanged lines.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let gap = end;
      while (gap < ops.length && ops[gap]!.kind === ' ') gap++;
      if (gap < ops.length && gap - end <= 2 * context) end = gap;
      else break;
    }
    const stop = Math.min(ops.length, end + context);
    const slice = ops.slice(start, stop);
    const oldLen = slice.filter((op) => op.kind !== '+').length;
    const newLen = slice.filter((op) => op.kind !== '-').length;
    out += `@@ -${range(oldNo[start]!, oldLen)} +${range(newNo[start]!, newLen)} @@\n`;
    for (const op of slice) out += renderLine(op);
    i = stop;
  }
  return out;
}

/**
 * A git-style diff of one file. oldText null = the file is new; newText null = it was deleted. Paths are shown
 * as given (relative to the workspace where possible).
 */
export function gitFileDiff(opts: { oldPath: string; newPath?: string; oldText: string | null; newText: string | null; context?: number }): string {
  const newPath = opts.newPath ?? opts.oldPath;
  const hunks = unifiedDiffHunks(opts.oldText ?? '', opts.newText ?? '', opts.context ?? 3);
  const renamed = newPath !== opts.oldPath;
  if (!hunks && !renamed && (opts.oldText === null) === (opts.newText === null)) return '';
  let head = `diff --git a/${opts.oldPath} b/${newPath}\n`;
  if (opts.oldText === null) head += 'new file mode 100644\n';
  else if (opts.newText === null) head += 'deleted file mode 100644\n';
  else if (renamed) head += `rename from ${opts.oldPath}\nrename to ${newPath}\n`;
  if (!hunks) return head;
  head += `--- ${opts.oldText === null ? '/dev/null' : `a/${opts.oldPath}`}\n`;
  head += `+++ ${opts.newText === null ? '/dev/null' : `b/${newPath}`}\n`;
  return head + hunks;
}
