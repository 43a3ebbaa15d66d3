// fuzzyFileSearch (the TUI's `@` mention): a bounded walk of the roots and a fuzzy subsequence match of the
// query against each relative path (docs/protocol.md#methods).
import { opendir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { FuzzyFileSearchParams, FuzzyFileSearchResult } from '../protocol/catalog';

/** Never descended into. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);
const MAX_RESULTS = 50;
/** Directory entries looked at per search, over all roots: past it the walk stops and answers what it has. */
const MAX_VISITED = 100_000;
/** Wall-clock budget of one search. */
const SEARCH_BUDGET_MS = 3_000;

const BOUNDARY = new Set(['/', '_', '-', '.', ' ']);

interface Match {
  score: number;
  indices: number[];
}

/** Greedy subsequence match of `q` in `lower[from..]`, tightened from the back (fzf's v1); null if absent. */
function matchFrom(lower: readonly string[], q: readonly string[], from: number): number[] | null {
  let qi = 0;
  let end = -1;
  for (let i = from; i < lower.length && qi < q.length; i += 1) {
    if (lower[i] === q[qi]) {
      qi += 1;
      if (qi === q.length) end = i;
    }
  }
  if (end < 0) return null;
  // Walk back from the end for the latest start, so the window is as short as it can be.
  let start = end;
  for (let i = end, k = q.length - 1; i >= from && k >= 0; i -= 1) {
    if (lower[i] === q[k]) {
      start = i;
      k -= 1;
    }
  }
  const indices: number[] = [];
  for (let i = start, k = 0; i <= end && k < q.length; i += 1) {
    if (lower[i] === q[k]) {
      indices.push(i);
      k += 1;
    }
  }
  return indices;
}

function scoreOf(chars: readonly string[], indices: readonly number[], basenameStart: number): number {
  let score = 0;
  let prev = -2;
  for (const i of indices) {
    score += 16;
    const before = i > 0 ? chars[i - 1]! : '/';
    if (BOUNDARY.has(before)) score += 8;
    else if (before === before.toLowerCase() && chars[i] !== chars[i]!.toLowerCase()) score += 6;
    if (i === prev + 1) score += 10;
    else if (prev >= 0) score -= Math.min(i - prev - 1, 12);
    prev = i;
  }
  if (indices[0]! >= basenameStart) {
    score += 24;
    if (indices[0] === basenameStart) score += 12;
    if (indices.length === chars.length - basenameStart) score += 32;
  }
  return Math.max(1, score);
}

/** The match of `query` (lowercase, no spaces) in a relative path, preferring one inside the file name. */
function fuzzyMatch(relPath: string, query: readonly string[]): Match | null {
  const chars = Array.from(relPath);
  const lower = chars.map((c) => c.toLowerCase());
  const slash = chars.lastIndexOf('/');
  const basenameStart = slash + 1;
  const indices = (basenameStart > 0 ? matchFrom(lower, query, basenameStart) : null) ?? matchFrom(lower, query, 0);
  if (!indices) return null;
  return { score: scoreOf(chars, indices, basenameStart), indices };
}

function better(a: FuzzyFileSearchResult, b: FuzzyFileSearchResult): number {
  return b.score - a.score || a.path.length - b.path.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

export class FileSearchService {
  /** Searches running under a client's cancellationToken: a newer one with the same token cancels the older. */
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly deps: {
      defaultCwd: string;
      /** Folders never listed (the server home and Codex homes), as real paths. */
      hiddenPaths: () => readonly string[];
    },
  ) {}

  async search(p: FuzzyFileSearchParams): Promise<{ files: FuzzyFileSearchResult[] }> {
    const query = Array.from(p.query.replace(/\s+/g, '').toLowerCase());
    const abort = new AbortController();
    const token = p.cancellationToken ?? null;
    if (token !== null) {
      this.running.get(token)?.abort();
      this.running.set(token, abort);
    }
    try {
      if (query.length === 0 || p.roots.length === 0) return { files: [] };
      const files = await this.walk(p.roots, query, abort.signal);
      return { files: abort.signal.aborted ? [] : files };
    } finally {
      if (token !== null && this.running.get(token) === abort) this.running.delete(token);
    }
  }

  private async walk(roots: readonly string[], query: readonly string[], signal: AbortSignal): Promise<FuzzyFileSearchResult[]> {
    const hidden = new Set(this.deps.hiddenPaths());
    const deadline = Date.now() + SEARCH_BUDGET_MS;
    let visited = 0;
    let best: FuzzyFileSearchResult[] = [];
    const consider = (r: FuzzyFileSearchResult): void => {
      best.push(r);
      if (best.length >= MAX_RESULTS * 4) best = best.sort(better).slice(0, MAX_RESULTS);
    };
    for (const root of roots) {
      // The real path, so the hidden folders (real paths) are recognised below it; symlinks are not followed.
      const absRoot = await realpath(path.resolve(this.deps.defaultCwd, root)).catch(() => null);
      if (absRoot === null) continue;
      // Breadth first, so a budget that runs out keeps the shallow (likelier) paths.
      const queue: string[] = [''];
      while (queue.length > 0) {
        if (signal.aborted || visited >= MAX_VISITED || Date.now() > deadline) return best.sort(better).slice(0, MAX_RESULTS);
        const rel = queue.shift()!;
        const abs = rel === '' ? absRoot : path.join(absRoot, rel);
        if (hidden.has(abs)) continue;
        let dir;
        try {
          dir = await opendir(abs);
        } catch {
          continue; // missing, unreadable or not a directory
        }
        try {
          for await (const entry of dir) {
            visited += 1;
            if (visited > MAX_VISITED) break;
            const isDir = entry.isDirectory();
            if (isDir && SKIPPED_DIRS.has(entry.name)) continue;
            const relPath = rel === '' ? entry.name : `${rel}/${entry.name}`;
            // Symlinks are listed as files and never followed.
            if (isDir) queue.push(relPath);
            const m = fuzzyMatch(relPath, query);
            if (m) consider({ root, path: relPath, match_type: isDir ? 'directory' : 'file', file_name: entry.name, score: m.score, indices: m.indices });
          }
        } catch {
          // a directory that vanished mid-read: keep what was read
        }
      }
    }
    return best.sort(better).slice(0, MAX_RESULTS);
  }
}
