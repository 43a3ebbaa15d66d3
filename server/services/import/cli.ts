// `codex-web import [--from DIR]`: a Codex home into our store, with a progress bar on a TTY and a summary.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { DB_FILE_NAME, openDb } from '../../../db/client';
import { Importer, listRollouts, type ImportSummary } from './importer';

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function bar(done: number, total: number, files: number, fileCount: number, startedAt: number): string {
  const width = 30;
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  const secs = Math.max(0.001, (Date.now() - startedAt) / 1000);
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${files}/${fileCount} rollouts  ${mb(done)}/${mb(total)} MB  ${(done / 1024 / 1024 / secs).toFixed(1)} MB/s`;
}

export function summaryText(s: ImportSummary, from: string): string {
  const secs = Math.max(0.001, s.ms / 1000);
  const lines = [
    `imported ${s.imported} rollout${s.imported === 1 ? '' : 's'} from ${from}: ${s.newThreads} new thread${s.newThreads === 1 ? '' : 's'}, ${s.grown} grown, ${s.unchanged} unchanged`,
    `${s.records} records from ${s.lines} lines (${mb(s.bytes)} MB in ${secs.toFixed(1)} s, ${(s.bytes / 1024 / 1024 / secs).toFixed(1)} MB/s)`,
    `${s.malformed} malformed line${s.malformed === 1 ? '' : 's'} skipped`,
  ];
  for (const k of s.skipped.slice(0, 20)) lines.push(`skipped ${k.path}: ${k.reason}`);
  if (s.skipped.length > 20) lines.push(`... and ${s.skipped.length - 20} more skipped`);
  return `${lines.join('\n')}\n`;
}

/** Returns the exit code. */
export function runImport(o: { home: string; from: string }): number {
  if (!existsSync(o.from) || !statSync(o.from).isDirectory()) {
    process.stderr.write(`codex-web: ${o.from} is not a directory (pass the Codex home with --from DIR)\n`);
    return 2;
  }
  if (path.resolve(o.from) === path.resolve(o.home)) {
    process.stderr.write(`codex-web: --from ${o.from} is this server's own home; pass the Codex home (e.g. ~/.codex)\n`);
    return 2;
  }
  const db = openDb(path.join(o.home, DB_FILE_NAME));
  try {
    const files = listRollouts(o.from);
    const total = files.reduce((n, f) => n + f.size, 0);
    const tty = process.stderr.isTTY === true;
    const startedAt = Date.now();
    let lastDraw = 0;
    const importer = new Importer(db, {
      progress: (done, filesDone) => {
        if (!tty || Date.now() - lastDraw < 100) return;
        lastDraw = Date.now();
        process.stderr.write(bar(done, total, filesDone, files.length, startedAt));
      },
    });
    const summary = importer.importHome(o.from, files);
    if (tty) process.stderr.write(`${bar(total, total, files.length, files.length, startedAt)}\n`);
    process.stdout.write(summaryText(summary, o.from));
    return 0;
  } finally {
    db.$client.close();
  }
}
