// The aggregated diff of everything apply_patch changed during one turn (for `turn/diff/updated`): each file's
// content when the turn first touched it, against its content now.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gitFileDiff } from './unified-diff';

export async function readTextOrNull(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export class TurnDiffTracker {
  private readonly baselines = new Map<string, string | null>();

  /** cwd: paths inside it are shown relative to it. */
  constructor(private readonly cwd: string) {}

  /** Remembers a file's content (null = absent) before the turn first changes it; later calls are ignored. */
  recordBaseline(absPath: string, content: string | null): void {
    if (!this.baselines.has(absPath)) this.baselines.set(absPath, content);
  }

  get size(): number {
    return this.baselines.size;
  }

  private display(absPath: string): string {
    const rel = path.relative(this.cwd, absPath);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : absPath;
  }

  /** The git-style diff from the baselines to the files' current contents; '' when nothing differs. */
  async diff(): Promise<string> {
    const files = [...this.baselines.keys()].sort();
    let out = '';
    for (const file of files) {
      const p = this.display(file);
      out += gitFileDiff({ oldPath: p, oldText: this.baselines.get(file) ?? null, newText: await readTextOrNull(file) });
    }
    return out;
  }
}
