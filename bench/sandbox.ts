// What the trust boundary costs per sandboxed command: bwrap with the plain workspace-write policy vs with the
// hidden home, pinned parents, nested .git walk, socket-folder masks and the seccomp filter. Prints figures.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSandboxedCommand, nestedProtectedPaths, type SandboxHardening } from '../server/engine/exec/sandbox';
import { writeSeccompProgram } from '../server/engine/exec/seccomp';
import type { SandboxPolicy } from '../server/protocol/common';
import { fmtMs, summarize } from './lib/stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const root = mkdtempSync(path.join(os.tmpdir(), 'codex-web-bench-sandbox-'));
const home = path.join(root, 'state', 'home');
const work = path.join(root, 'work');
mkdirSync(home, { recursive: true });
for (let i = 0; i < 20; i++) mkdirSync(path.join(work, `pkg${i}`, 'src', 'lib'), { recursive: true });
mkdirSync(path.join(work, 'pkg3', '.git'));
const hardening: SandboxHardening = {
  hiddenPaths: [home],
  seccompFile: writeSeccompProgram(path.join(home, 'codex-web-seccomp.bpf')),
  envPolicy: {},
  secrets: () => [],
};
const policy: SandboxPolicy = { type: 'workspaceWrite', writableRoots: [], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false };

function time(h: SandboxHardening | undefined): number[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const built = buildSandboxedCommand({ policy, cwd: work, argv: ['true'], hardening: h });
    if (built instanceof Error) throw built;
    const r = spawnSync(built.file, built.args);
    if (r.status !== 0) throw new Error(`sandboxed true failed: ${String(r.stderr)}`);
    samples.push(performance.now() - t);
  }
  return samples;
}

try {
  time(undefined); // warm up
  const plain = summarize(time(undefined));
  const hardened = summarize(time(hardening));
  console.log(`sandboxed \`true\`, ${RUNS} runs, load average ${os.loadavg()[0]!.toFixed(2)}`);
  console.log(`  plain workspace-write   p50 ${fmtMs(plain.p50)}  p90 ${fmtMs(plain.p90)}`);
  console.log(`  hardened (this issue)   p50 ${fmtMs(hardened.p50)}  p90 ${fmtMs(hardened.p90)}`);
  for (const dir of [work, process.cwd(), '/usr']) {
    const t = performance.now();
    const found = nestedProtectedPaths(dir).length;
    console.log(`  nested .git walk of ${dir}: ${fmtMs(performance.now() - t)} (${found} found)`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
