// The tests need Debian's chromium (Playwright drives it; no browser download here) and bubblewrap.
// As root we install what is missing; otherwise we say exactly what to run.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const needed = [
  { pkg: 'chromium', bin: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
  { pkg: 'bubblewrap', bin: '/usr/bin/bwrap' },
].filter((d) => !existsSync(d.bin));

if (needed.length > 0) {
  const pkgs = needed.map((d) => d.pkg);
  if (process.getuid?.() !== 0) {
    console.error(`missing system packages: ${pkgs.join(' ')}\ninstall them with: sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`);
    process.exit(1);
  }
  console.error(`installing ${pkgs.join(' ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}
