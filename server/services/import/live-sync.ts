// Live sync (docs/architecture.md#importing-codex-history): the Codex homes in `codex_homes` (or --codex-home)
// are imported at start and then polled, so a session the Codex CLI is writing shows up here and grows within
// about a second. Recent day folders are checked every POLL_MS, the whole home every FULL_SCAN_MS. A thread
// whose rollout grew in the last QUIET_MS is being written by the CLI and is read-only here.
import path from 'node:path';
import type { Db } from '../../../db/client';
import * as rolloutQueries from '../../../db/queries/rollout';
import * as threadQueries from '../../../db/queries/threads';
import { log } from '../../util/log';
import type { EventHub } from '../event-hub';
import type { ThreadService } from '../threads/api';
import { Importer, listRolloutsAsync, sortRollouts, type RolloutFile } from './importer';
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';

export const POLL_MS = 500;
const FULL_SCAN_MS = 30_000;
export const QUIET_MS = 10_000;
/** Files imported per tick, so a large first import never holds the event loop for long. */
const FILES_PER_TICK = 50;

/** The newest `count` day folders of `<home>/sessions/YYYY/MM/DD` (names sort by date). */
function recentDayDirs(home: string, count: number): string[] {
  const out: string[] = [];
  const sub = (d: string) => {
    try {
      return readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort().reverse();
    } catch {
      return [];
    }
  };
  const root = path.join(home, 'sessions');
  for (const y of sub(root)) {
    for (const m of sub(path.join(root, y))) {
      for (const d of sub(path.join(root, y, m))) {
        out.push(path.join(root, y, m, d));
        if (out.length >= count) return out;
      }
    }
  }
  return out;
}

function recentlyWritten(file: string): boolean {
  try {
    return Date.now() - statSync(file).mtimeMs < QUIET_MS;
  } catch {
    return false;
  }
}

export class LiveSync {
  private readonly importer: Importer;
  private readonly writing = new Map<string, number>();
  private readonly sizes = new Map<string, number>();
  /** New threads not yet announced: `thread/started` goes out once they are listed (a message or a name). */
  private readonly unlisted = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private lastFull = 0;
  private stopped = false;

  constructor(
    private readonly deps: { db: Db; homes: string[]; threads: ThreadService; hub: EventHub },
  ) {
    this.importer = new Importer(deps.db, {
      transact: (op) => deps.db.$client.transaction(op)(),
      // A loaded handle may be ahead of the database by records still in the group-commit queue.
      nextSeq: (id, fromDb) => Math.max(fromDb, deps.threads.getLoaded(id)?.recordSeq ?? 0),
    });
  }

  start(): void {
    this.timer = setTimeout(() => void this.tick(true), 0);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Whether the Codex CLI wrote this thread's rollout in the last QUIET_MS. */
  isBeingWritten(threadId: string): boolean {
    const at = this.writing.get(threadId);
    if (at === undefined) return false;
    if (Date.now() - at < QUIET_MS) return true;
    this.writing.delete(threadId);
    return false;
  }

  /** Files seen but not yet imported (the first import goes FILES_PER_TICK at a time). */
  private backlog: { home: string; file: RolloutFile }[] = [];

  /** One look; the next is scheduled when it ends, so two never overlap (the full scan is asynchronous). */
  private async tick(first = false): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.backlog.length === 0) {
        const full = first || Date.now() - this.lastFull >= FULL_SCAN_MS;
        if (full) this.lastFull = Date.now();
        const seen = new Set<string>();
        for (const home of this.deps.homes) {
          if (!existsSync(home)) continue;
          const files = full ? await listRolloutsAsync(home) : this.recentFiles(home);
          if (this.stopped) return;
          // Only what changed size since the last look goes to the importer, oldest path first.
          const changed: RolloutFile[] = [];
          for (const f of files) {
            seen.add(f.path);
            if (this.sizes.get(f.path) !== f.size) changed.push(f);
          }
          for (const f of sortRollouts(changed)) this.backlog.push({ home, file: f });
        }
        // A path gone from the home is forgotten: a file that comes back there is looked at again, whatever its
        // size (the CLI unarchiving a session moves it back, unchanged, to where it was).
        if (full) for (const p of this.sizes.keys()) if (!seen.has(p)) this.sizes.delete(p);
      }
      const batch = this.backlog.splice(0, FILES_PER_TICK);
      for (const home of new Set(batch.map((b) => b.home))) {
        const files = batch.filter((b) => b.home === home).map((b) => b.file);
        // A file that grows after it was first seen is one the CLI is writing.
        const growing = new Set(files.filter((f) => this.sizes.has(f.path)).map((f) => f.path));
        const retry = this.sync(home, files, growing);
        for (const f of files) if (!retry.has(f.path)) this.sizes.set(f.path, f.size);
      }
    } catch (err) {
      log.warn(`live sync: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.backlog.length > 0 ? 0 : POLL_MS);
    this.timer.unref();
  }

  private recentFiles(home: string): RolloutFile[] {
    const out: RolloutFile[] = [];
    for (const dir of recentDayDirs(home, 2)) {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.startsWith('rollout-') || !name.endsWith('.jsonl')) continue;
        const file = path.join(dir, name);
        try {
          // A regular file, as the full scan takes (listRolloutsAsync): never a symlink out of the home, nor a FIFO
          // (whose open() would block the server) or a directory.
          const st = lstatSync(file);
          if (st.isFile()) out.push({ path: file, archived: false, size: st.size });
        } catch {
          // gone
        }
      }
    }
    return out;
  }

  /** Returns the files to look at again next tick (another process was importing them). */
  private sync(home: string, files: RolloutFile[], growing: Set<string>): Set<string> {
    const summary = this.importer.importHome(home, files);
    for (const t of summary.touched) {
      const file = this.importer.pathOf(t.threadId) ?? '';
      if (t.records > 0 && (growing.has(file) || (t.isNew && recentlyWritten(file)))) this.writing.set(t.threadId, Date.now());
      const row = threadQueries.getThread({ db: this.deps.db, id: t.threadId });
      if (!row) continue;
      const loaded = this.deps.threads.getLoaded(t.threadId);
      if (loaded) {
        loaded.replaceRow(row);
        // What is committed past the handle: these rows, and any another process (`codex-web import`) added.
        loaded.adoptCommitted(rolloutQueries.readRolloutAfter({ db: this.deps.db, threadId: t.threadId, seq: loaded.recordSeq }));
      }
      // thread/list hides a thread with neither a message nor a name (docs/protocol.md#threads); a session file
      // can be seen before its first message is written, so it is announced when it becomes listed, once.
      if (t.isNew) this.unlisted.add(t.threadId);
      if (this.unlisted.has(t.threadId) && (row.name ?? row.preview ?? '') !== '') {
        this.unlisted.delete(t.threadId);
        this.deps.hub.broadcast({ method: 'thread/started', params: { thread: this.deps.threads.wire(row) } });
      }
    }
    if (summary.imported > 0 || summary.malformed > 0) {
      log.info(`live sync ${home}: ${summary.newThreads} new, ${summary.grown} grown, ${summary.records} records, ${summary.malformed} malformed lines skipped`);
    }
    return new Set(summary.skipped.filter((s) => s.retry).map((s) => s.path));
  }
}
