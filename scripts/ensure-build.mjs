// `npm start` runs this first: builds on a fresh clone, and again whenever sources are newer than
// the build, so a `git pull` never serves a stale UI or server.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const outputs = ['dist/codex-web.mjs', '.next/BUILD_ID'];
const built = outputs.every((f) => existsSync(f)) ? Math.min(...outputs.map((f) => statSync(f).mtimeMs)) : 0;
const sources = Math.max(...['server', 'db', 'app', 'components', 'public'].map(newest), statSync('package.json').mtimeMs);
if (built < sources) {
  console.error(built === 0 ? 'codex-web: first start, building (about a minute)…' : 'codex-web: sources changed, rebuilding…');
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
