import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Header of the generated startup context, verbatim (docs/realtime.md#session-configuration). */
export const STARTUP_CONTEXT_HEADER =
  'Startup context from Codex.\nThis is background context about recent work and machine/workspace layout. It may be incomplete or stale. Use it to inform responses, and do not repeat it back unless relevant.';

/** About 5300 tokens at ~4 bytes per token. */
export const STARTUP_CONTEXT_BUDGET_CHARS = 5300 * 4;
const CURRENT_THREAD_CHARS = 6000;
const MESSAGE_CHARS = 600;
const RECENT_GROUPS = 8;
const TITLES_PER_GROUP = 4;
const TREE_DEPTH = 2;
const TREE_ENTRIES = 20;
const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'target', 'dist', 'build', '.next', '__pycache__', '.venv', 'venv', '.cache', '.turbo', 'coverage']);

export interface ContextMessage {
  role: 'user' | 'assistant';
  text: string;
}

export interface RecentThread {
  id: string;
  cwd: string;
  title: string;
}

export interface StartupContextInput {
  threadId: string;
  /** This thread's conversation so far, oldest first. */
  messages: ContextMessage[];
  /** Recent threads, newest first (up to 40). */
  recent: RecentThread[];
  cwd: string;
  home: string | null;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

function currentThreadSection(messages: ContextMessage[]): string | null {
  const lines: string[] = [];
  let used = 0;
  // Newest exchanges matter most: walk backwards until the section budget is spent.
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const m = messages[i]!;
    const line = `${m.role}: ${clip(oneLine(m.text), MESSAGE_CHARS)}`;
    if (used + line.length > CURRENT_THREAD_CHARS) break;
    lines.unshift(line);
    used += line.length + 1;
  }
  return lines.length > 0 ? lines.join('\n') : null;
}

function recentWorkSection(recent: RecentThread[], threadId: string): string | null {
  const groups = new Map<string, string[]>();
  for (const t of recent) {
    if (t.id === threadId || !t.title.trim()) continue;
    const titles = groups.get(t.cwd) ?? [];
    if (!groups.has(t.cwd)) {
      if (groups.size >= RECENT_GROUPS) continue;
      groups.set(t.cwd, titles);
    }
    if (titles.length < TITLES_PER_GROUP) titles.push(clip(oneLine(t.title), 160));
  }
  if (groups.size === 0) return null;
  return [...groups].map(([cwd, titles]) => [`- ${cwd}`, ...titles.map((t) => `  - ${t}`)].join('\n')).join('\n');
}

async function tree(dir: string, depth: number, indent: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  entries = entries.filter((e) => !SKIPPED_DIRS.has(e.name)).sort((a, b) => a.name.localeCompare(b.name));
  const lines: string[] = [];
  for (const e of entries.slice(0, TREE_ENTRIES)) {
    const isDir = e.isDirectory();
    lines.push(`${indent}${e.name}${isDir ? '/' : ''}`);
    if (isDir && depth > 1) lines.push(...(await tree(path.join(dir, e.name), depth - 1, `${indent}  `)));
  }
  if (entries.length > TREE_ENTRIES) lines.push(`${indent}… (${entries.length - TREE_ENTRIES} more)`);
  return lines;
}

export function gitRoot(start: string): string | null {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

async function workspaceSection(cwd: string, home: string | null): Promise<string | null> {
  const root = gitRoot(cwd);
  const parts = [`cwd: ${cwd}`];
  if (root) parts.push(`git root: ${root}`);
  const roots = [...new Set([root ?? cwd, cwd, ...(home ? [home] : [])])];
  for (const r of roots) {
    const lines = await tree(r, TREE_DEPTH, '  ');
    if (lines.length > 0) parts.push(`${r}/\n${lines.join('\n')}`);
  }
  return parts.join('\n\n');
}

const NOTES =
  'Titles and trees are snapshots taken when this voice session started. Ask the background agent to look things up instead of guessing.';

/** The generated startup context, or "" when there is nothing to say. Truncated to the token budget. */
export async function buildStartupContext(input: StartupContextInput): Promise<string> {
  const sections: [string, string | null][] = [
    ['Current Thread', currentThreadSection(input.messages)],
    ['Recent Work', recentWorkSection(input.recent, input.threadId)],
    ['Machine / Workspace Map', await workspaceSection(input.cwd, input.home)],
  ];
  const body = sections.filter(([, text]) => text).map(([title, text]) => `## ${title}\n${text}`);
  if (body.length === 0) return '';
  const text = [STARTUP_CONTEXT_HEADER, ...body, `## Notes\n${NOTES}`].join('\n\n');
  return clip(text, STARTUP_CONTEXT_BUDGET_CHARS);
}
