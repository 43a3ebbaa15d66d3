// session_index.jsonl is read whole once, then only what Codex appended since: live sync looks at it on every
// tick that imports something, and a long history holds tens of thousands of entries. Appended entries, a line
// still being written, a replaced or shortened file, a missing one, malformed and oversized lines.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SessionIndex } from '../../server/services/import/session-index';

const entry = (id: string, name: string) => `${JSON.stringify({ id, thread_name: name, updated_at: '2026-01-01T00:00:00Z' })}\n`;
const asObject = (m: ReadonlyMap<string, string>) => Object.fromEntries(m);

test('session_index.jsonl: read whole once, then only the entries appended since', (t) => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'codex-web-session-index-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const file = path.join(home, 'session_index.jsonl');
  const index = new SessionIndex(home);

  // No file yet: no names.
  assert.deepEqual(asObject(index.read().names), {});

  writeFileSync(file, entry('a', 'First') + '{not json\n' + entry('b', '  Second  ') + JSON.stringify({ id: 'c', thread_name: '   ' }) + '\n' + 'null\n');
  let r = index.read();
  assert.deepEqual(asObject(r.names), { a: 'First', b: 'Second' });
  assert.deepEqual(asObject(r.changed), { a: 'First', b: 'Second' });

  // Nothing new: nothing changed.
  assert.deepEqual(asObject(index.read().changed), {});

  // A rename appended, and a line still being written: only the complete entry, then the rest once it ends.
  const line = entry('c', 'Third');
  appendFileSync(file, entry('a', 'First, renamed') + line.slice(0, 10));
  r = index.read();
  assert.deepEqual(asObject(r.changed), { a: 'First, renamed' });
  assert.deepEqual(asObject(r.names), { a: 'First, renamed', b: 'Second' });
  appendFileSync(file, line.slice(10));
  assert.deepEqual(asObject(index.read().changed), { c: 'Third' });

  // An oversized line is skipped unread; the entries after it are read. A long name is kept to 512 characters.
  appendFileSync(file, `${'x'.repeat(200 * 1024)}\n` + entry('d', 'n'.repeat(600)));
  r = index.read();
  assert.deepEqual([...r.changed.keys()], ['d']);
  assert.equal(r.names.get('d')!.length, 512);

  // Shortened (rewritten): read again from its start, and only what it holds now.
  truncateSync(file, 0);
  appendFileSync(file, entry('e', 'Fifth'));
  r = index.read();
  assert.deepEqual(asObject(r.names), { e: 'Fifth' });
  assert.deepEqual(asObject(r.changed), { e: 'Fifth' });

  // Replaced by another file (a new inode) of greater size: read whole again.
  unlinkSync(file);
  writeFileSync(file, entry('f', 'Sixth') + entry('g', 'Seventh'));
  r = index.read();
  assert.deepEqual(asObject(r.names), { f: 'Sixth', g: 'Seventh' });
  assert.deepEqual(asObject(r.changed), { f: 'Sixth', g: 'Seventh' });

  // Gone: no names.
  unlinkSync(file);
  assert.deepEqual(asObject(index.read().names), {});
});
