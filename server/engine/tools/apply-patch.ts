// The `apply_patch` tool: validates a whole Codex-format patch (parse, sandbox policy, every hunk's context)
// before writing anything, then applies it. planPatch/commitPatch are split so a `fileChange` item (with its
// diffs) can be shown and approved before the files change.
import { mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { SandboxPolicy } from '../../protocol/common';
import { parsePatch, PatchParseError, type UpdateChunk } from './patch-parser';
import { parseToolArgs, type ParsedArgs } from './tool-args';
import { PROTECTED_SUBPATHS, writableScope } from './sandbox';
import { readTextOrNull, type TurnDiffTracker } from './turn-diff';
import { gitFileDiff, unifiedDiffHunks } from './unified-diff';

export const APPLY_PATCH_TOOL_NAME = 'apply_patch';

export const applyPatchToolSpec = {
  type: 'function',
  name: APPLY_PATCH_TOOL_NAME,
  description: [
    'Edits files with a patch in this format (paths relative to the working directory):',
    '*** Begin Patch',
    '*** Add File: path/new.txt      (then every line of the new file prefixed with +)',
    '*** Delete File: path/old.txt',
    '*** Update File: path/file.py   (optionally followed by *** Move to: path/renamed.py)',
    '@@ def example():               (a line to find first; @@ alone is fine)',
    ' context line (starts with a space)',
    '-removed line',
    '+added line',
    '*** End of File                 (optional: the chunk ends at the end of the file)',
    '*** End Patch',
    'Give about 3 lines of context around each change. The whole patch is checked before any file is written.',
  ].join('\n'),
  strict: false,
  parameters: {
    type: 'object',
    properties: { input: { type: 'string', description: 'The entire patch, from *** Begin Patch to *** End Patch.' } },
    required: ['input'],
    additionalProperties: false,
  },
} as const;

export const applyPatchArgs = z.object({ input: z.string() });

export function parseApplyPatchArgs(argumentsJson: string): ParsedArgs<z.infer<typeof applyPatchArgs>> {
  return parseToolArgs(applyPatchArgs, argumentsJson);
}

/** Wire shapes of `fileChange.changes` (reference schema: FileUpdateChange / PatchChangeKind). */
export type PatchChangeKind = { type: 'add' } | { type: 'delete' } | { type: 'update'; move_path: string | null };
export interface FileUpdateChange {
  path: string;
  kind: PatchChangeKind;
  /** Like the reference: the new content for add, the removed content for delete, unified hunks for update. */
  diff: string;
}

export type ApplyPatchErrorCode = 'parse' | 'verification' | 'permission' | 'io';
export class ApplyPatchError extends Error {
  constructor(readonly code: ApplyPatchErrorCode, message: string) {
    super(message);
    this.name = 'ApplyPatchError';
  }
}

export interface ApplyPatchContext {
  /** The turn's cwd: relative paths resolve against it; a writable root under workspaceWrite. */
  cwd: string;
  policy: SandboxPolicy;
  writableRoots?: readonly string[];
  env?: NodeJS.ProcessEnv;
}

interface PlannedWrite {
  path: string;
  /** Content on disk when planned (null = absent); checked again before writing. */
  before: string | null;
  after: string | null;
}

export interface PatchPlan {
  changes: FileUpdateChange[];
  /** Git-style diff of this patch alone. */
  unifiedDiff: string;
  /** Codex's success text for the model ("Success. Updated the following files: ..."). */
  summary: string;
  writes: PlannedWrite[];
}

export interface ApplyPatchResult {
  changes: FileUpdateChange[];
  unifiedDiff: string;
  /** The function_call_output text. */
  output: string;
}

const PUNCT: Record<string, string> = {
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  '\u2018': "'", '\u2019': "'", '\u201A': "'", '\u201B': "'", '\u201C': '"', '\u201D': '"', '\u201E': '"', '\u201F': '"',
  '\u00A0': ' ', '\u2002': ' ', '\u2003': ' ', '\u2009': ' ', '\u202F': ' ',
};
const normalizations: Array<(s: string) => string> = [
  (s) => s,
  (s) => s.trimEnd(),
  (s) => s.trim(),
  (s) => s.trim().replace(/[\u2010-\u2015\u2212\u2018-\u201F\u00A0\u2002\u2003\u2009\u202F]/g, (c) => PUNCT[c] ?? c),
];

/** Where `pattern` occurs in `lines` at or after `start` (exact first, then ever looser whitespace/punctuation). */
function seek(lines: readonly string[], pattern: readonly string[], start: number, atEnd: boolean): number | null {
  if (pattern.length === 0) return start;
  if (pattern.length > lines.length) return null;
  const last = lines.length - pattern.length;
  const starts = atEnd ? [last, start] : [start];
  for (const norm of normalizations) {
    for (const from of starts) {
      for (let i = Math.max(from, 0); i <= last; i++) {
        if (pattern.every((p, j) => norm(lines[i + j]!) === norm(p))) return i;
      }
    }
  }
  return null;
}

function notFound(file: string, pattern: readonly string[], lines: readonly string[], from: number): ApplyPatchError {
  const rest = lines.slice(from).map((l) => l.trim());
  const missing = pattern.find((p) => p.trim() !== '' && !rest.includes(p.trim()));
  const why =
    missing !== undefined
      ? `the line ${JSON.stringify(missing)} does not occur at or after line ${from + 1}`
      : `each line exists, but not consecutively in this order at or after line ${from + 1}`;
  return new ApplyPatchError('verification', `Failed to find expected lines in ${file} (${why}):\n${pattern.join('\n')}`);
}

/** Applies an update hunk's chunks to `content`; throws naming the file and the missing line. */
export function applyChunks(content: string, chunks: readonly UpdateChunk[], file: string): string {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const replacements: Array<[start: number, oldLen: number, newLines: string[]]> = [];
  let at = 0;
  for (const chunk of chunks) {
    if (chunk.context !== null) {
      const found = seek(lines, [chunk.context], at, false);
      if (found === null) {
        throw new ApplyPatchError('verification', `Failed to find context '${chunk.context}' in ${file} (at or after line ${at + 1})`);
      }
      at = found + 1;
    }
    if (chunk.oldLines.length === 0) {
      // A pure insertion goes right after its @@ context line, or at the end of the file without one.
      replacements.push([chunk.context !== null ? at : lines.length, 0, chunk.newLines]);
      continue;
    }
    let oldLines = chunk.oldLines;
    let newLines = chunk.newLines;
    let found = seek(lines, oldLines, at, chunk.isEndOfFile);
    if (found === null && oldLines[oldLines.length - 1] === '') {
      // A trailing empty line in the patch usually stands for the file's final newline.
      oldLines = oldLines.slice(0, -1);
      if (newLines[newLines.length - 1] === '') newLines = newLines.slice(0, -1);
      found = seek(lines, oldLines, at, chunk.isEndOfFile);
    }
    if (found === null) throw notFound(file, chunk.oldLines, lines, at);
    replacements.push([found, oldLines.length, newLines]);
    at = found + oldLines.length;
  }
  replacements.sort((a, b) => a[0] - b[0]);
  for (let i = replacements.length - 1; i >= 0; i--) {
    const [start, len, repl] = replacements[i]!;
    lines.splice(start, len, ...repl);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** The path with symlinks in its existing part resolved, so a link cannot smuggle a write out of the roots. */
async function canonical(abs: string): Promise<string> {
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return path.join(await realpath(cur), ...rest.reverse());
    } catch {
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

const within = (p: string, root: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

async function checkWritable(abs: string, shown: string, ctx: ApplyPatchContext): Promise<void> {
  const scope = writableScope({ policy: ctx.policy, sandboxCwd: ctx.cwd, writableRoots: ctx.writableRoots, env: ctx.env });
  if (scope.kind === 'all') return;
  if (scope.kind === 'none') {
    throw new ApplyPatchError('permission', `apply_patch refused to write ${shown}: the read-only sandbox policy allows no file changes`);
  }
  const real = await canonical(abs);
  const root = scope.roots.find((r) => within(real, r));
  if (!root) {
    throw new ApplyPatchError(
      'permission',
      `apply_patch refused to write ${shown}: ${real} is outside the writable roots of the workspace-write sandbox (${scope.roots.join(', ')})`,
    );
  }
  for (const r of scope.roots) {
    const guarded = PROTECTED_SUBPATHS.map((p) => path.join(r, p)).find((g) => within(real, g));
    if (guarded) throw new ApplyPatchError('permission', `apply_patch refused to write ${shown}: ${guarded} stays read-only in the sandbox`);
  }
}

async function assertNotDirectory(abs: string, shown: string): Promise<void> {
  const st = await stat(abs).catch(() => null);
  if (st?.isDirectory()) throw new ApplyPatchError('verification', `${shown} is a directory, not a file`);
}

/** Parses and checks the whole patch against the files and the policy; writes nothing. */
export async function planPatch(input: string, ctx: ApplyPatchContext): Promise<PatchPlan> {
  let hunks;
  try {
    hunks = parsePatch(input);
  } catch (e) {
    if (e instanceof PatchParseError) throw new ApplyPatchError('parse', e.message);
    throw e;
  }
  if (hunks.length === 0) throw new ApplyPatchError('parse', 'invalid patch: no files were modified');
  const before = new Map<string, string | null>();
  const state = new Map<string, string | null>();
  const current = async (abs: string): Promise<string | null> => {
    if (state.has(abs)) return state.get(abs) ?? null;
    const text = await readTextOrNull(abs).catch((e: Error) => {
      throw new ApplyPatchError('io', `apply_patch could not read ${abs}: ${e.message}`);
    });
    before.set(abs, text);
    state.set(abs, text);
    return text;
  };
  const changes: FileUpdateChange[] = [];
  const summary: string[] = [];
  for (const hunk of hunks) {
    const abs = path.resolve(ctx.cwd, hunk.path);
    await checkWritable(abs, hunk.path, ctx);
    await assertNotDirectory(abs, hunk.path);
    const old = await current(abs);
    if (hunk.type === 'add') {
      state.set(abs, hunk.contents);
      changes.push({ path: abs, kind: { type: 'add' }, diff: hunk.contents });
      summary.push(`A ${hunk.path}`);
    } else if (hunk.type === 'delete') {
      if (old === null) throw new ApplyPatchError('verification', `Failed to delete ${hunk.path}: the file does not exist`);
      state.set(abs, null);
      changes.push({ path: abs, kind: { type: 'delete' }, diff: old });
      summary.push(`D ${hunk.path}`);
    } else {
      if (old === null) throw new ApplyPatchError('verification', `Failed to read file to update ${hunk.path}: the file does not exist`);
      const next = applyChunks(old, hunk.chunks, hunk.path);
      let dest = abs;
      if (hunk.movePath !== null) {
        dest = path.resolve(ctx.cwd, hunk.movePath);
        await checkWritable(dest, hunk.movePath, ctx);
        await assertNotDirectory(dest, hunk.movePath);
        await current(dest);
        state.set(abs, null);
      }
      state.set(dest, next);
      changes.push({ path: abs, kind: { type: 'update', move_path: hunk.movePath === null ? null : dest }, diff: unifiedDiffHunks(old, next, 1) });
      summary.push(`M ${hunk.movePath ?? hunk.path}`);
    }
  }
  const writes = [...state].map(([p, after]) => ({ path: p, before: before.get(p) ?? null, after }));
  const shown = (p: string) => {
    const rel = path.relative(ctx.cwd, p);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : p;
  };
  const unifiedDiff = writes.map((w) => gitFileDiff({ oldPath: shown(w.path), oldText: w.before, newText: w.after })).join('');
  return { changes, unifiedDiff, summary: `Success. Updated the following files:\n${summary.join('\n')}\n`, writes };
}

/** Writes a plan made by planPatch, after checking no file changed since; records baselines for the turn diff. */
export async function commitPatch(plan: PatchPlan, tracker?: TurnDiffTracker): Promise<ApplyPatchResult> {
  for (const w of plan.writes) {
    if ((await readTextOrNull(w.path)) !== w.before) {
      throw new ApplyPatchError('verification', `${w.path} changed on disk after the patch was checked; nothing was written`);
    }
  }
  for (const w of plan.writes) {
    tracker?.recordBaseline(w.path, w.before);
    try {
      if (w.after === null) await rm(w.path, { force: true });
      else if (w.after !== w.before) {
        await mkdir(path.dirname(w.path), { recursive: true });
        await writeFile(w.path, w.after);
      }
    } catch (e) {
      throw new ApplyPatchError('io', `apply_patch could not write ${w.path}: ${(e as Error).message}`);
    }
  }
  return { changes: plan.changes, unifiedDiff: plan.unifiedDiff, output: plan.summary };
}

/** planPatch then commitPatch: all hunks apply, or (on any check failing) none. */
export async function applyPatch(input: string, ctx: ApplyPatchContext & { tracker?: TurnDiffTracker }): Promise<ApplyPatchResult> {
  return commitPatch(await planPatch(input, ctx), ctx.tracker);
}
