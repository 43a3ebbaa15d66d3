import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { writeMockProviderConfig } from './run-state';
import path from 'node:path';
import { DB_FILE_NAME, openDb } from '../../db/client';
import type { BenchThread } from './dataset';

/** Seeds `<home>/codex-web.sqlite` in-process (migrations applied by openDb), in one transaction. */
export function seedCodexWeb(home: string, threads: BenchThread[]): void {
  const db = openDb(path.join(home, DB_FILE_NAME));
  try {
    // `title` is a generated column (name, else preview): never inserted.
    const insert = db.$client.prepare(
      `INSERT INTO threads (id, name, preview, cwd, model, model_provider, source, cli_version, git_info, forked_from_id, created_at, updated_at, archived, archived_at)
       VALUES (?, ?, ?, ?, 'gpt-5.1-codex', 'openai', 'appServer', '0.1.0', NULL, NULL, ?, ?, 0, NULL)`,
    );
    db.$client.transaction(() => {
      for (const t of threads) insert.run(t.id, t.name, t.preview, t.cwd, t.createdAt, t.updatedAt);
    })();
    db.$client.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.$client.close();
  }
}

/** The size of a real reference session_meta line is dominated by base_instructions (~21 KB). */
const BASE_INSTRUCTIONS = 'You are a coding agent. Follow the user instructions precisely and keep changes minimal. '.repeat(240);

/**
 * Seeds a reference CODEX_HOME: a config.toml whose provider points at a closed port, and one rollout
 * file per thread (session_meta + the first user message, as response_item and event_msg), in the
 * `sessions/YYYY/MM/DD/rollout-<ts>-<id>.jsonl` layout, with mtime = updatedAt. The title is the preview
 * (the reference keeps names in a separate index; previews are enough to exercise its title search).
 */
export function seedReference(home: string, threads: BenchThread[], cwd: string): void {
  writeMockProviderConfig(home, 'http://127.0.0.1:9/v1');
  const made = new Set<string>();
  for (const t of threads) {
    const iso = new Date(t.createdAt).toISOString();
    const dir = path.join(home, 'sessions', iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10));
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const text = t.name ?? t.preview;
    const lines = [
      {
        timestamp: iso,
        ordinal: 0,
        type: 'session_meta',
        payload: {
          session_id: t.id,
          id: t.id,
          timestamp: iso,
          cwd,
          originator: 'bench',
          cli_version: '0.169.0',
          source: 'vscode',
          model_provider: 'mock_provider',
          base_instructions: { text: BASE_INSTRUCTIONS },
        },
      },
      { timestamp: iso, ordinal: 1, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } },
      { timestamp: iso, ordinal: 2, type: 'event_msg', payload: { type: 'user_message', message: text, images: [] } },
    ];
    const file = path.join(dir, `rollout-${iso.slice(0, 19).replace(/:/g, '-')}-${t.id}.jsonl`);
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    utimesSync(file, t.updatedAt / 1000, t.updatedAt / 1000);
  }
}
