// `codex-web import` and live sync (docs/architecture.md#importing-codex-history): Codex rollouts under a Codex
// home become our threads, keeping their ids. Files are streamed a chunk at a time (a line is the largest
// thing held, and lines past MAX_LINE_BYTES are skipped unread), read-only: nothing is ever written into the
// Codex home. Each batch of records commits together with the file's new offset and parser state, so a run
// that is killed resumes exactly, a second run imports nothing, and a rollout that grew brings only its new lines.
import { closeSync, existsSync, fstatSync, lstatSync, openSync, readdirSync, type Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../../../db/client';
import * as importQueries from '../../../db/queries/import';
import * as threadQueries from '../../../db/queries/threads';
import type { ImportedRolloutRow, RolloutRow } from '../../../db/schema';
import { applyLine, initialState, type LineResult, type ParserState } from './codex-rollout';
import { readLines } from './lines';
import { SessionIndex } from './session-index';

/** A longer line is skipped (counted malformed) without being held in memory. */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** A transaction holds up to this many records or bytes of lines, whichever comes first (bounded memory). */
const BATCH_RECORDS = 5000;
const BATCH_BYTES = 8 * 1024 * 1024;
/** A standalone import commits every this many bytes of rollouts (one transaction for all its batches). */
const COMMIT_BYTES = 64 * 1024 * 1024;
/** listRolloutsAsync stats this many files at once. */
const STAT_BATCH = 64;

export interface RolloutFile {
  path: string;
  archived: boolean;
  size: number;
}

export interface ImportSummary {
  files: number;
  /** Rollouts that brought new records (new threads plus grown ones). */
  imported: number;
  newThreads: number;
  grown: number;
  unchanged: number;
  records: number;
  lines: number;
  bytes: number;
  malformed: number;
  /**
   * Files skipped and why (a thread id of ours, a rewritten file, no session_meta). `retry`: another process
   * imported it meanwhile; looked at again, it continues from there.
   */
  skipped: { path: string; reason: string; retry?: boolean }[];
  /** Threads whose records changed (for live sync's notifications). */
  touched: { threadId: string; records: number; isNew: boolean }[];
  ms: number;
}

export interface ImportHooks {
  /** Called per committed batch with the bytes read so far (the progress bar). */
  progress?: (bytesDone: number, filesDone: number) => void;
  /** Runs the batch's writes in one transaction; live sync goes through the group-commit writer instead. */
  transact?: (op: () => void) => void;
  /** The next seq to use for a thread (live sync: a loaded handle may be ahead of the database). */
  nextSeq?: (threadId: string, fromDb: number) => number;
}

const ROLLOUT_DIRS = [['sessions', false], ['archived_sessions', true]] as const;
/** A directory entry that is a rollout: a regular file (symlinks are not followed: the home's own files only). */
const isRollout = (e: Dirent) => e.isFile() && e.name.startsWith('rollout-') && e.name.endsWith('.jsonl');
const byPath = (a: RolloutFile, b: RolloutFile) => (a.path < b.path ? -1 : 1);

/** Every `rollout-*.jsonl` under `sessions/` and `archived_sessions/` of a Codex home, oldest path first. */
export function listRollouts(codexHome: string): RolloutFile[] {
  const out: RolloutFile[] = [];
  for (const [dir, archived] of ROLLOUT_DIRS) {
    const root = path.join(codexHome, dir);
    if (!existsSync(root)) continue;
    walk(root, (file) => {
      try {
        const st = lstatSync(file);
        if (st.isFile()) out.push({ path: file, archived, size: st.size });
      } catch {
        // gone meanwhile
      }
    });
  }
  return out.sort(byPath);
}

/** Sorts rollouts oldest path first (the order an import takes them in). */
export const sortRollouts = (files: RolloutFile[]): RolloutFile[] => files.sort(byPath);

/**
 * `listRollouts` for a running server, unsorted: directories are read and files stat'ed asynchronously (STAT_BATCH
 * at a time), so live sync's full scan of a home of tens of thousands of sessions never holds the event loop (the
 * synchronous walk of 70,000 held it ~250 ms every 30 s).
 */
export async function listRolloutsAsync(codexHome: string): Promise<RolloutFile[]> {
  const out: RolloutFile[] = [];
  for (const [dir, archived] of ROLLOUT_DIRS) {
    const dirs = [path.join(codexHome, dir)];
    for (let d = dirs.pop(); d !== undefined; d = dirs.pop()) {
      let entries: Dirent[];
      try {
        entries = await readdir(d, { withFileTypes: true });
      } catch {
        continue;
      }
      const files: string[] = [];
      for (const e of entries) {
        if (e.isDirectory()) dirs.push(path.join(d, e.name));
        else if (isRollout(e)) files.push(path.join(d, e.name));
      }
      for (let i = 0; i < files.length; i += STAT_BATCH) {
        const stats = await Promise.all(files.slice(i, i + STAT_BATCH).map((f) => lstat(f).catch(() => null)));
        stats.forEach((st, k) => {
          if (st?.isFile()) out.push({ path: files[i + k]!, archived, size: st.size });
        });
      }
    }
  }
  return out;
}

function walk(dir: string, onFile: (file: string) => void): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, onFile);
    else if (isRollout(e)) onFile(full);
  }
}

/** Another process committed this rollout's import past where this one started (see importFile). */
class ImportedElsewhere extends Error {}

const idFromName = (file: string) => /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(file)?.[1]?.toLowerCase() ?? null;

export class Importer {
  private readonly byPath = new Map<string, ImportedRolloutRow>();
  private readonly byId = new Map<string, ImportedRolloutRow>();
  private uncommittedBytes = 0;
  /** Each Codex home's session_index.jsonl, read on from where the last run left it. */
  private readonly indexes = new Map<string, SessionIndex>();
  private bulk = false;

  constructor(
    private readonly db: Db,
    private readonly hooks: ImportHooks = {},
  ) {
    for (const row of importQueries.allImported({ db })) this.remember(row);
  }

  /** Where a thread's rollout was imported from. */
  pathOf(threadId: string): string | undefined {
    return this.byId.get(threadId)?.path;
  }

  private remember(row: ImportedRolloutRow): void {
    const old = this.byId.get(row.threadId);
    if (old) this.byPath.delete(old.path);
    this.byId.set(row.threadId, row);
    this.byPath.set(row.path, row);
  }

  /** Imports a whole Codex home (or only `files` of it). */
  importHome(codexHome: string, files: RolloutFile[] = listRollouts(codexHome)): ImportSummary {
    const started = Date.now();
    const summary: ImportSummary = { files: files.length, imported: 0, newThreads: 0, grown: 0, unchanged: 0, records: 0, lines: 0, bytes: 0, malformed: 0, skipped: [], touched: [], ms: 0 };
    let index = this.indexes.get(codexHome);
    if (!index) this.indexes.set(codexHome, (index = new SessionIndex(codexHome)));
    const { names, changed } = index.read();
    let bytesBefore = 0;
    // Standalone, many small rollouts share a transaction: commits are the cost. In it, the message index
    // triggers are dropped and the threads written are indexed in bulk before each commit, when the triggers are
    // put back (db/queries/import.ts): no committed state lacks either.
    const outer = !this.hooks.transact && !this.db.$client.inTransaction;
    this.bulk = outer;
    let triggers: string[] = [];
    const begin = () => {
      this.db.$client.exec('BEGIN');
      triggers = importQueries.suspendIndexTriggers({ db: this.db });
    };
    const commit = () => {
      importQueries.indexPending({ db: this.db });
      importQueries.restoreTriggers({ db: this.db, sql: triggers });
      this.db.$client.exec('COMMIT');
    };
    if (outer) begin();
    try {
      files.forEach((f, i) => {
        this.importFile(f, names, summary, (b) => this.hooks.progress?.(bytesBefore + b, i));
        bytesBefore += f.size;
        this.hooks.progress?.(bytesBefore, i + 1);
        if (outer && this.uncommittedBytes >= COMMIT_BYTES) {
          commit();
          begin();
          this.uncommittedBytes = 0;
        }
      });
      this.applyNames(changed, summary);
      if (outer) commit();
    } catch (err) {
      if (outer && this.db.$client.inTransaction) this.db.$client.exec('ROLLBACK');
      throw err;
    } finally {
      this.bulk = false;
    }
    summary.ms = Date.now() - started;
    return summary;
  }

  /**
   * Names read from session_index.jsonl by this run, written where they changed since they were last applied (a
   * rename made here is kept till then).
   */
  private applyNames(names: ReadonlyMap<string, string>, summary: ImportSummary): void {
    for (const [id, name] of names) {
      const imported = this.byId.get(id);
      if (!imported || (imported.state as ParserState).appliedName === name) continue;
      const row = threadQueries.getThread({ db: this.db, id });
      if (!row) continue;
      let next: ImportedRolloutRow | undefined;
      this.transact(() => {
        // The row as committed (another process may be importing this home too), with the name applied.
        const cur = importQueries.getImported({ db: this.db, threadId: id });
        if (!cur) return;
        next = { ...cur, state: { ...(cur.state as ParserState), appliedName: name } };
        if (row.name !== name) threadQueries.setThreadName({ db: this.db, id, name, updatedAt: row.updatedAt });
        importQueries.putImported({ db: this.db, row: next });
      });
      if (next) this.remember(next);
      if (row.name === name) continue;
      if (!summary.touched.some((t) => t.threadId === id)) summary.touched.push({ threadId: id, records: 0, isNew: false });
    }
  }

  private appendRows(rows: RolloutRow[], payloadJson: (string | undefined)[]): void {
    if (this.bulk) for (const id of new Set(rows.map((r) => r.threadId))) importQueries.markPending({ db: this.db, threadId: id });
    importQueries.appendRows({ db: this.db, rows, payloadJson });
  }

  private transact(op: () => void): void {
    if (this.hooks.transact) this.hooks.transact(op);
    // Inside the import's own transaction a failure rolls all of it back: no savepoint per batch.
    else if (this.bulk) op();
    else this.db.$client.transaction(op)();
  }

  private importFile(file: RolloutFile, names: ReadonlyMap<string, string>, summary: ImportSummary, progress: (bytes: number) => void): void {
    const guess = idFromName(file.path);
    const cached = this.byPath.get(file.path) ?? (guess ? this.byId.get(guess) : undefined);
    // What is committed now, not what was read at start: another process (`codex-web import` beside a server
    // that live-syncs the same home) may have imported this rollout since. Going on from a stale offset would
    // import its lines twice.
    const knownId = cached?.threadId ?? guess;
    let prior = knownId ? importQueries.getImported({ db: this.db, threadId: knownId }) : undefined;
    if (prior) this.remember(prior);
    if (prior && prior.path !== file.path && !existsSync(prior.path)) {
      // The CLI moved it (archived or unarchived): the same rollout, go on from the same offset.
    } else if (prior && prior.path !== file.path) prior = undefined;
    // Imported elsewhere since we last looked: live sync tells loaded threads and announces a new one.
    const elsewhere = prior !== undefined && prior.offset !== cached?.offset;
    if (prior && file.size === prior.offset) {
      summary.unchanged++;
      const row = threadQueries.getThread({ db: this.db, id: prior.threadId });
      if (row && row.archived !== file.archived) {
        this.transact(() => threadQueries.setThreadArchived({ db: this.db, id: prior.threadId, archived: file.archived, at: Date.now() }));
        summary.touched.push({ threadId: prior.threadId, records: 0, isNew: false });
      }
      if (prior.path !== file.path) {
        const moved = { ...prior, path: file.path };
        this.transact(() => importQueries.putImported({ db: this.db, row: moved }));
        this.remember(moved);
      }
      if (elsewhere && !summary.touched.some((t) => t.threadId === prior.threadId)) summary.touched.push({ threadId: prior.threadId, records: 0, isNew: cached === undefined });
      return;
    }
    if (prior && file.size < prior.offset) {
      summary.skipped.push({ path: file.path, reason: 'the file is shorter than what was imported (rewritten?)' });
      return;
    }
    if (!prior && guess && importQueries.threadExists({ db: this.db, id: guess })) {
      summary.skipped.push({ path: file.path, reason: `thread ${guess} already exists here and was not imported` });
      return;
    }
    const state: ParserState = prior ? (prior.state as ParserState) : initialState();
    const offset = prior?.offset ?? 0;
    let lines = prior?.lines ?? 0;
    let malformed = prior?.malformed ?? 0;
    const isNew = !prior;
    let pending: LineResult[] = [];
    let pendingRecords = 0;
    let pendingBytes = 0;
    let wrote = false;
    let seq: number | null = null;
    let threadInserted = !!prior;
    /** The offset this run last committed for the file: the stored one must still be it when a batch commits. */
    let committed = prior?.offset ?? null;
    /** Records this run wrote for the file (live sync reads the loaded thread's new ones back from the store). */
    let touchedRecords = 0;
    // A new file's thread is the id its session_meta gives, not its name's: one we already have (ours, or
    // imported from another file) is never written into, so the file is skipped before anything is written.
    let skip: string | null = null;
    const claimed = (): string | null => {
      const id = state.meta!.id;
      const from = this.byId.get(id)?.path;
      if (from !== undefined) return `thread ${id} was imported from ${from}`;
      return importQueries.threadExists({ db: this.db, id }) ? `thread ${id} already exists here and was not imported` : null;
    };

    const flush = (uptoOffset: number) => {
      const records = pending.flatMap((r) => (r.ok ? r.records : []));
      this.uncommittedBytes += pendingBytes;
      pending = [];
      pendingRecords = 0;
      pendingBytes = 0;
      if (!state.meta) return;
      const meta = state.meta;
      const id = meta.id;
      if (seq === null) seq = this.hooks.nextSeq ? this.hooks.nextSeq(id, importQueries.lastSeq({ db: this.db, threadId: id })) : importQueries.lastSeq({ db: this.db, threadId: id });
      const now = Date.now();
      const rows: RolloutRow[] = records.map((r) => ({ threadId: id, seq: ++seq!, kind: r.kind, type: r.type, turnId: r.turnId, payload: r.payload, createdAt: now }));
      const payloadJson = records.map((r) => r.payloadJson);
      // The Codex name, written only when it changed there (else null: the upsert keeps the thread's own).
      const codexName = names.get(id) ?? state.name;
      const name = codexName !== (state.appliedName ?? null) ? codexName : null;
      state.appliedName = codexName;
      const row: ImportedRolloutRow = { threadId: id, path: file.path, offset: uptoOffset, lines, malformed, state, importedAt: now };
      const stateJson = JSON.stringify(state);
      const snapshot = JSON.parse(stateJson) as ParserState;
      this.transact(() => {
        if (importQueries.importedOffset({ db: this.db, threadId: id }) !== committed) throw new ImportedElsewhere();
        importQueries.upsertImportedThread({
          db: this.db,
          row: {
            id,
            name: name ?? null,
            preview: meta.preview,
            cwd: meta.cwd,
            model: meta.model,
            modelProvider: meta.modelProvider,
            source: meta.source,
            cliVersion: meta.cliVersion,
            gitInfo: meta.gitInfo,
            createdAt: meta.createdAt,
            updatedAt: Math.max(state.lastAt, meta.createdAt),
            archived: file.archived,
            archivedAt: file.archived ? Math.max(state.lastAt, meta.createdAt) : null,
          },
        });
        this.appendRows(rows, payloadJson);
        importQueries.putImported({ db: this.db, row: { ...row, state: snapshot }, stateJson });
      });
      this.remember({ ...row, state: snapshot });
      committed = uptoOffset;

      threadInserted = true;
      if (rows.length > 0) wrote = true;
      summary.records += rows.length;
      touchedRecords += rows.length;
    };

    const fd = openSync(file.path, 'r');
    try {
      const size = fstatSync(fd).size;
      let lineStart = offset;
      readLines(fd, offset, size, MAX_LINE_BYTES, (text, lineEnd) => {
        lines++;
        if (text === null) malformed++;
        else if (text.trim() !== '') {
          const hadMeta = state.meta !== null;
          const r = applyLine(state, text);
          if (!hadMeta && isNew && state.meta && (skip = claimed()) !== null) return false;
          if (!r.ok) malformed++;
          else if (r.records.length > 0) {
            pending.push(r);
            pendingRecords += r.records.length;
            pendingBytes += text.length;
          }
        }
        lineStart = lineEnd;
        if (pendingRecords >= BATCH_RECORDS || pendingBytes >= BATCH_BYTES) {
          flush(lineStart);
          progress(lineStart - (prior?.offset ?? 0));
        }
      });
      if (skip !== null) {
        summary.skipped.push({ path: file.path, reason: skip });
        return;
      }
      // An unterminated last line is being written: it is read next time, once complete.
      flush(lineStart);
      summary.bytes += lineStart - (prior?.offset ?? 0);
    } catch (err) {
      if (!(err instanceof ImportedElsewhere)) throw err;
      // Nothing of the batch was written (the check comes first in its transaction); what this run committed
      // before stays. The file is read again from the committed row next time.
      const id = state.meta!.id;
      const row = importQueries.getImported({ db: this.db, threadId: id });
      if (row) this.remember(row);
      summary.skipped.push({ path: file.path, reason: 'imported meanwhile by another process', retry: true });
      summary.touched.push({ threadId: id, records: touchedRecords, isNew });
      return;
    } finally {
      closeSync(fd);
    }
    summary.lines += lines - (prior?.lines ?? 0);
    summary.malformed += malformed - (prior?.malformed ?? 0);
    if (!threadInserted && !state.meta) {
      summary.skipped.push({ path: file.path, reason: 'no session_meta line' });
      return;
    }
    if (wrote || isNew) {
      summary.imported++;
      if (isNew) summary.newThreads++;
      else summary.grown++;
      summary.touched.push({ threadId: state.meta!.id, records: touchedRecords, isNew });
    } else {
      summary.unchanged++;
      if (elsewhere) summary.touched.push({ threadId: state.meta!.id, records: 0, isNew: cached === undefined });
    }
  }
}
