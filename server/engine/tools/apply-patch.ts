// The `apply_patch` tool: validates a whole Codex-format patch (parse, sandbox policy, every hunk's context)
// before writing anything, then applies it. planPatch/commitPatch are split so a `fileChange` item (with its
// diffs) can be shown and approved before the files change.
// Over 400 lines on purpose: plan, confinement checks and commit share one set of types and must be read together
// (the write-time primitives already live apart in confined-fs.ts).
//
// Confinement (workspace-write): the server writes the files itself, outside bwrap, so the policy is enforced
// twice. planPatch resolves each path (symlinks included) to a writable root plus path components and refuses
// anything outside the roots or under a `.git` / `.codex` entry at any depth. commitPatch does not trust the
// paths again: it writes through confined-fs, which walks from the root one directory fd at a time without
// following any symlink, so a directory or file swapped for a symlink during the approval wait is refused, not
// followed (see the comment at the top of confined-fs.ts for why that is race-free).
import { lstat, mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { SandboxPolicy } from '../../protocol/common';
import { parsePatch, PatchParseError, type UpdateChunk } from './patch-parser';
import { parseToolArgs, type ParsedArgs } from './tool-args';
import { isWithin } from '../../util/paths';
import { ConfinedFsError, readConfined, unlinkConfined, writeConfined, type ConfinedTarget } from './confined-fs';
import { PROTECTED_SUBPATHS, writableScope, type WritableScope } from '../exec/sandbox';
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
  /** The server's own state (SandboxHardening.hiddenPaths): never written or read by a patch, even inside a root. */
  hiddenPaths?: readonly string[];
}

/** The policy's writable scope plus the hidden paths (canonical) no patch may touch. */
type PatchScope = WritableScope & { hidden: readonly string[] };

interface PlannedWrite {
  path: string;
  /** Content on disk when planned (null = absent); checked again before writing. */
  before: string | null;
  after: string | null;
  /**
   * Where the write goes, resolved when planned: a writable root and the components below it (a file reached
   * through an in-root symlink resolves to that file; a delete removes the entry itself). null: the policy
   * does not confine writes (danger-full-access, external sandbox).
   */
  target: ConfinedTarget | null;
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

/**
 * The path with symlinks in its existing part resolved, so a link cannot smuggle a write out of the roots. A
 * symlink that does not resolve (dangling, or a loop) is refused: writing "through" it would create its target.
 */
async function canonical(abs: string, shown: string): Promise<string> {
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return path.join(await realpath(cur), ...rest.reverse());
    } catch {
      if ((await lstat(cur).catch(() => null))?.isSymbolicLink()) {
        throw new ApplyPatchError('permission', `apply_patch refused to write ${shown}: ${cur} is a symbolic link that does not resolve (dangling or a loop)`);
      }
      const parent = path.dirname(cur);
      if (parent === cur) return abs;
      rest.push(path.basename(cur));
      cur = parent;
    }
  }
}

const PROTECTED_NAMES = new Set<string>(PROTECTED_SUBPATHS.map((p) => p.toLowerCase()));

const scopeOf = (ctx: ApplyPatchContext): PatchScope => ({
  ...writableScope({ policy: ctx.policy, sandboxCwd: ctx.cwd, writableRoots: ctx.writableRoots, env: ctx.env }),
  hidden: (ctx.hiddenPaths ?? []).map((h) => {
    try {
      return realpathSync(h);
    } catch {
      return path.resolve(h);
    }
  }),
});

/**
 * Checks a canonical path against the scope and answers where it lives: the innermost writable root holding it
 * and the components below that root. `.git` / `.codex` (any case) as any component below any root holding the
 * path is refused: a nested repository's hooks or config run code just like the top-level one's.
 */
function confine(real: string, shown: string, scope: PatchScope): ConfinedTarget | null {
  if (scope.kind === 'all') return null;
  const hidden = scope.hidden.find((h) => real === h || isWithin(real, h));
  if (hidden !== undefined) {
    throw new ApplyPatchError('permission', `apply_patch refused to write ${shown}: ${hidden} is the server's own state, hidden from the agent`);
  }
  if (scope.kind === 'none') {
    throw new ApplyPatchError('permission', `apply_patch refused to write ${shown}: the read-only sandbox policy allows no file changes`);
  }
  const holding = scope.roots.filter((r) => isWithin(real, r));
  if (holding.length === 0) {
    throw new ApplyPatchError(
      'permission',
      `apply_patch refused to write ${shown}: ${real} is outside the writable roots of the workspace-write sandbox (${scope.roots.join(', ')})`,
    );
  }
  for (const r of holding) {
    const parts = path.relative(r, real).split(path.sep).filter(Boolean);
    const i = parts.findIndex((p) => PROTECTED_NAMES.has(p.toLowerCase()));
    if (i >= 0) {
      const guarded = path.join(r, ...parts.slice(0, i + 1));
      throw new ApplyPatchError('permission', `apply_patch refused to write ${shown}: ${guarded} stays read-only in the sandbox`);
    }
  }
  const root = holding.reduce((a, b) => (b.length > a.length ? b : a));
  return { root, parts: path.relative(root, real).split(path.sep).filter(Boolean) };
}

/** Where a write (after !== null) or a delete of abs goes, checked against the policy. */
async function checkWritable(abs: string, shown: string, scope: PatchScope, forDelete = false): Promise<ConfinedTarget | null> {
  if (scope.kind !== 'roots') return confine(abs, shown, scope);
  // A write follows an in-root symlink to its file; a delete removes the entry itself, so only its parent is
  // resolved. Both also check the fully resolved path (a delete of a link to outside is refused too).
  const target = confine(await canonical(abs, shown), shown, scope);
  if (!forDelete) return target;
  return confine(path.join(await canonical(path.dirname(abs), shown), path.basename(abs)), shown, scope);
}

async function assertNotDirectory(abs: string, shown: string): Promise<void> {
  const st = await stat(abs).catch(() => null);
  if (st?.isDirectory()) throw new ApplyPatchError('verification', `${shown} is a directory, not a file`);
}

async function readPlanned(abs: string, target: ConfinedTarget | null): Promise<string | null> {
  try {
    if (target === null) return await readTextOrNull(abs);
    const now = await readConfined(target);
    if (now.kind === 'symlink') throw new ConfinedFsError('refused', `${path.join(target.root, ...target.parts)} is a symbolic link; apply_patch never writes through symbolic links`);
    return now.kind === 'absent' ? null : now.text;
  } catch (e) {
    if (e instanceof ConfinedFsError && e.kind === 'refused') throw new ApplyPatchError('permission', `apply_patch refused to write ${abs}: ${e.message}`);
    throw new ApplyPatchError('io', `apply_patch could not read ${abs}: ${(e as Error).message}`);
  }
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
  /** A file's content before the patch; a checked target is read without following symlinks (as commitPatch will). */
  const current = async (abs: string, target: ConfinedTarget | null): Promise<string | null> => {
    if (state.has(abs)) return state.get(abs) ?? null;
    const text = await readPlanned(abs, target);
    before.set(abs, text);
    state.set(abs, text);
    return text;
  };
  const scope = scopeOf(ctx);
  const shownAs = new Map<string, string>();
  const changes: FileUpdateChange[] = [];
  const summary: string[] = [];
  for (const hunk of hunks) {
    const abs = path.resolve(ctx.cwd, hunk.path);
    shownAs.set(abs, hunk.path);
    const target = await checkWritable(abs, hunk.path, scope);
    await assertNotDirectory(abs, hunk.path);
    const old = await current(abs, target);
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
        shownAs.set(dest, hunk.movePath);
        const destTarget = await checkWritable(dest, hunk.movePath, scope);
        await assertNotDirectory(dest, hunk.movePath);
        await current(dest, destTarget);
        state.set(abs, null);
      }
      state.set(dest, next);
      changes.push({ path: abs, kind: { type: 'update', move_path: hunk.movePath === null ? null : dest }, diff: unifiedDiffHunks(old, next, 1) });
      summary.push(`M ${hunk.movePath ?? hunk.path}`);
    }
  }
  const writes: PlannedWrite[] = [];
  for (const [p, after] of state) {
    const target = await checkWritable(p, shownAs.get(p) ?? p, scope, after === null);
    writes.push({ path: p, before: before.get(p) ?? null, after, target });
  }
  const shown = (p: string) => {
    const rel = path.relative(ctx.cwd, p);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : p;
  };
  const unifiedDiff = writes.map((w) => gitFileDiff({ oldPath: shown(w.path), oldText: w.before, newText: w.after })).join('');
  return { changes, unifiedDiff, summary: `Success. Updated the following files:\n${summary.join('\n')}\n`, writes };
}

function commitError(w: PlannedWrite, e: unknown, phase: 'check' | 'write'): ApplyPatchError {
  if (e instanceof ApplyPatchError) return e;
  if (e instanceof ConfinedFsError) {
    return e.kind === 'refused'
      ? new ApplyPatchError('permission', `apply_patch refused to write ${w.path}: ${e.message}`)
      : new ApplyPatchError('verification', phase === 'check' ? `${e.message}; nothing was written` : e.message);
  }
  return new ApplyPatchError('io', `apply_patch could not ${phase === 'check' ? 'read' : 'write'} ${w.path}: ${(e as Error).message}`);
}

/** Is the file still as planned? Confined targets are read without following any symlink. */
async function unchanged(w: PlannedWrite): Promise<boolean> {
  if (w.target === null) return (await readTextOrNull(w.path)) === w.before;
  const now = await readConfined(w.target);
  if (now.kind === 'symlink') {
    // Removing a link's entry never touches what it points to; writing through one is never done.
    if (w.after === null) return true;
    throw new ConfinedFsError('refused', `${path.join(w.target.root, ...w.target.parts)} is a symbolic link; apply_patch never writes through symbolic links`);
  }
  return (now.kind === 'absent' ? null : now.text) === w.before;
}

/**
 * Writes a plan made by planPatch, after checking no file changed since; records baselines for the turn diff.
 * Creations and updates go first and deletes last, so a failing write never leaves a moved file's source deleted.
 */
export async function commitPatch(plan: PatchPlan, tracker?: TurnDiffTracker): Promise<ApplyPatchResult> {
  for (const w of plan.writes) {
    let same: boolean;
    try {
      same = await unchanged(w);
    } catch (e) {
      throw commitError(w, e, 'check');
    }
    if (!same) throw new ApplyPatchError('verification', `${w.path} changed on disk after the patch was checked; nothing was written`);
  }
  const ordered = [...plan.writes.filter((w) => w.after !== null), ...plan.writes.filter((w) => w.after === null)];
  for (const w of ordered) {
    if (w.after === w.before) continue;
    tracker?.recordBaseline(w.path, w.before);
    try {
      if (w.target !== null) {
        if (w.after === null) await unlinkConfined(w.target);
        else await writeConfined(w.target, w.after, w.before);
      } else if (w.after === null) {
        await rm(w.path, { force: true });
      } else {
        await mkdir(path.dirname(w.path), { recursive: true });
        await writeFile(w.path, w.after);
      }
    } catch (e) {
      throw commitError(w, e, 'write');
    }
  }
  return { changes: plan.changes, unifiedDiff: plan.unifiedDiff, output: plan.summary };
}

/** planPatch then commitPatch: all hunks apply, or (on any check failing) none. */
export async function applyPatch(input: string, ctx: ApplyPatchContext & { tracker?: TurnDiffTracker }): Promise<ApplyPatchResult> {
  return commitPatch(await planPatch(input, ctx), ctx.tracker);
}
