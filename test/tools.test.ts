// Tools and sandbox: bubblewrap policies, process-group kills, output caps, apply_patch, shell_command, update_plan.
// Every negative check has a positive control next to it, so a broken harness cannot pass by accident.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { SandboxPolicy } from '../server/protocol/common';
import { ApplyPatchError, applyPatch, planPatch } from '../server/engine/tools/apply-patch';
import { runCommand } from '../server/engine/exec/run-command';
import { buildSandboxedCommand, SandboxUnavailableError } from '../server/engine/exec/sandbox';
import { formatShellOutput, parseShellCommandArgs, runShellCommand, shellCommandToolSpec } from '../server/engine/tools/shell';
import { TurnDiffTracker } from '../server/engine/tools/turn-diff';
import { parseUpdatePlanArgs, toTurnPlanUpdate, updatePlanToolSpec } from '../server/engine/tools/update-plan';

const readOnly: SandboxPolicy = { type: 'readOnly', networkAccess: false };
const full: SandboxPolicy = { type: 'dangerFullAccess' };
const workspace = (over: Partial<Extract<SandboxPolicy, { type: 'workspaceWrite' }>> = {}): SandboxPolicy => ({
  type: 'workspaceWrite',
  writableRoots: [],
  networkAccess: false,
  excludeTmpdirEnvVar: false,
  excludeSlashTmp: false,
  ...over,
});

function tempDir(t: TestContext, base = os.tmpdir()): string {
  const dir = mkdtempSync(path.join(base, 'codex-web-tools-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `bash -c script` under a policy; fails the test if the sandbox cannot be built. */
async function sh(script: string, opts: { policy: SandboxPolicy; cwd: string; networkAccess?: boolean; timeoutMs?: number }) {
  const built = buildSandboxedCommand({ policy: opts.policy, cwd: opts.cwd, argv: ['bash', '-c', script], networkAccess: opts.networkAccess });
  assert.ok(!(built instanceof SandboxUnavailableError), 'bwrap must be installed for these tests (apt-get install bubblewrap)');
  return runCommand({ argv: [built.file, ...built.args], cwd: opts.cwd, timeoutMs: opts.timeoutMs ?? 10_000 });
}

/** PIDs whose command line contains `marker` (scanned from /proc, so it sees sandboxed processes too). */
function pidsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(marker)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

let markerSeq = 0;
/** A `sleep` duration unique to this run, so /proc scans find only our processes. */
const sleepMarker = () => `30.${process.pid}${++markerSeq}`;

test('read-only: a write fails with a read-only-filesystem error; the same command under danger-full-access succeeds', async (t) => {
  const dir = tempDir(t);
  const script = 'echo data > out.txt && cat out.txt';
  const ro = await sh(script, { policy: readOnly, cwd: dir });
  assert.notEqual(ro.exitCode, 0);
  assert.match(ro.stderr, /Read-only file system/);
  assert.equal(existsSync(path.join(dir, 'out.txt')), false);
  const tmpWrite = await sh(`touch /tmp/codex-web-ro-${process.pid}`, { policy: readOnly, cwd: dir });
  assert.match(tmpWrite.stderr, /Read-only file system/, 'read-only keeps /tmp read-only too');

  const rw = await sh(script, { policy: full, cwd: dir });
  assert.equal(rw.exitCode, 0, rw.stderr);
  assert.equal(rw.stdout, 'data\n');
  assert.equal(readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'data\n');
});

test('workspace-write: writes in the cwd succeed, outside the roots fail, .git stays read-only', async (t) => {
  const cwd = tempDir(t);
  const outside = tempDir(t, '/var/tmp');
  mkdirSync(path.join(cwd, '.git'));
  const inside = await sh('echo in > inside.txt', { policy: workspace(), cwd });
  assert.equal(inside.exitCode, 0, inside.stderr);
  assert.equal(readFileSync(path.join(cwd, 'inside.txt'), 'utf8'), 'in\n');

  const out = await sh(`echo out > ${outside}/x`, { policy: workspace(), cwd });
  assert.notEqual(out.exitCode, 0);
  assert.match(out.stderr, /Read-only file system/);
  assert.equal(existsSync(path.join(outside, 'x')), false);

  const git = await sh('touch .git/config', { policy: workspace(), cwd });
  assert.match(git.stderr, /Read-only file system/);

  // Positive controls: the outside dir is writable once it is a declared root, and without a sandbox.
  const declared = await sh(`echo out > ${outside}/declared`, { policy: workspace({ writableRoots: [outside] }), cwd });
  assert.equal(declared.exitCode, 0, declared.stderr);
  const direct = await sh(`echo out > ${outside}/x`, { policy: full, cwd });
  assert.equal(direct.exitCode, 0, direct.stderr);
  assert.equal(readFileSync(path.join(outside, 'x'), 'utf8'), 'out\n');
});

test("network: the host's 127.0.0.1 listener is unreachable from the sandbox unless network access is allowed", async (t) => {
  const cwd = tempDir(t);
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted++;
    s.end('hello\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const probe = `exec 3<>/dev/tcp/127.0.0.1/${port} && head -n1 <&3`;

  for (const policy of [readOnly, workspace()]) {
    const blocked = await sh(probe, { policy, cwd });
    assert.notEqual(blocked.exitCode, 0, `${policy.type} must not reach the host listener`);
    assert.match(blocked.stderr, /Connection refused|Network is unreachable/);
  }
  assert.equal(accepted, 0);

  const allowed = await sh(probe, { policy: workspace({ networkAccess: true }), cwd });
  assert.equal(allowed.exitCode, 0, allowed.stderr);
  assert.equal(allowed.stdout, 'hello\n');
  const override = await sh(probe, { policy: readOnly, cwd, networkAccess: true });
  assert.equal(override.stdout, 'hello\n');
  assert.equal(accepted, 2);
});

test('missing bwrap: a SandboxUnavailableError that says how to install it, never an unsandboxed run', async (t) => {
  const cwd = tempDir(t);
  for (const bwrapPath of [null, '/nonexistent/bwrap']) {
    const built = buildSandboxedCommand({ policy: workspace(), cwd, argv: ['true'], bwrapPath });
    assert.ok(built instanceof SandboxUnavailableError);
    assert.match(built.message, /apt-get install bubblewrap/);
  }
  const res = await runShellCommand({ command: 'touch ran' }, { cwd, policy: readOnly, bwrapPath: null });
  assert.equal(res.status, 'failed');
  assert.ok(res.sandboxError instanceof SandboxUnavailableError);
  assert.match(res.output, /apt-get install bubblewrap/);
  assert.equal(existsSync(path.join(cwd, 'ran')), false, 'the command must not run unsandboxed');
  // Positive control: danger-full-access needs no bwrap.
  const direct = await runShellCommand({ command: 'touch ran' }, { cwd, policy: full, bwrapPath: null });
  assert.equal(direct.exitCode, 0);
  assert.equal(existsSync(path.join(cwd, 'ran')), true);
});

for (const policy of [full, workspace()]) {
  test(`timeout kills the command and its children (${policy.type})`, async (t) => {
    const cwd = tempDir(t);
    const marker = sleepMarker();
    let sawStart = false;
    const started = Date.now();
    const run = sh(`sleep ${marker} & sleep ${marker} & echo started; wait`, { policy, cwd, timeoutMs: 400 });
    assert.ok(await until(() => pidsWith(marker).length === 2, 2000), 'both sleeps should be running before the timeout');
    sawStart = true;
    const res = await run;
    assert.ok(sawStart);
    assert.equal(res.timedOut, true);
    assert.equal(res.exitCode, null);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    assert.ok(await until(() => pidsWith(marker).length === 0, 200), `left behind: ${pidsWith(marker).join(',')}`);
  });
}

test('abort kills the whole sandboxed tree within 500 ms', async (t) => {
  const cwd = tempDir(t);
  const marker = sleepMarker();
  const ac = new AbortController();
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const built = buildSandboxedCommand({ policy: readOnly, cwd, argv: ['bash', '-c', `trap '' TERM; sleep ${marker} & echo ready; wait`] });
  assert.ok(!(built instanceof SandboxUnavailableError));
  const run = runCommand({ argv: [built.file, ...built.args], cwd, timeoutMs: 30_000, signal: ac.signal, onOutput: () => ready() });
  t.after(() => ac.abort());
  await readyP;
  assert.ok(await until(() => pidsWith(marker).length === 1, 2000), 'positive control: the child runs before the abort');
  const t0 = performance.now();
  ac.abort();
  const res = await run;
  const elapsed = performance.now() - t0;
  assert.equal(res.aborted, true);
  assert.ok(elapsed < 500, `abort took ${elapsed.toFixed(0)} ms`);
  assert.ok(await until(() => pidsWith(marker).length === 0, 100), 'the sandboxed child must be gone');
});

test('output cap: retained output stops at the cap and truncation is reported; chunks stream as they come', async (t) => {
  const cwd = tempDir(t);
  const cap = 64 * 1024;
  const chunks: Buffer[] = [];
  const big = await runCommand({
    argv: ['bash', '-c', "head -c 300000 /dev/zero | tr '\\0' a; echo tail >&2"],
    cwd,
    timeoutMs: 10_000,
    outputCap: cap,
    onOutput: (c) => chunks.push(c),
  });
  assert.equal(big.exitCode, 0);
  assert.equal(big.truncated, true);
  assert.equal(big.aggregatedOutput.length, cap);
  assert.equal(big.stdout.length, cap);
  assert.equal(big.stderr, 'tail\n', 'stderr keeps its own budget');
  assert.equal(Buffer.concat(chunks).toString(), big.aggregatedOutput, 'streamed chunks concatenate to aggregatedOutput');

  const small = await runCommand({ argv: ['bash', '-c', 'printf a; printf b >&2; printf c'], cwd, timeoutMs: 10_000, outputCap: cap });
  assert.equal(small.truncated, false);
  assert.equal(small.aggregatedOutput.length, 3);
  assert.equal(small.stdout, 'ac');
  assert.equal(small.stderr, 'b');
});

test('shell_command: printf realtime-tool-ok in the workspace sandbox gives exactly its output and exit 0', async (t) => {
  const cwd = tempDir(t);
  const parsed = parseShellCommandArgs('{"command":"printf realtime-tool-ok","workdir":null,"timeout_ms":5000}');
  assert.ok(parsed.ok);
  const res = await runShellCommand(parsed.args, { cwd, policy: workspace() });
  assert.equal(res.aggregatedOutput, 'realtime-tool-ok');
  assert.equal(res.exitCode, 0);
  assert.equal(res.status, 'completed');
  assert.equal(res.command, 'printf realtime-tool-ok');
  assert.equal(res.cwd, cwd);
  assert.match(res.output, /^Exit code: 0\nWall time: \d+\.\d seconds\nOutput:\nrealtime-tool-ok$/);

  const failed = await runShellCommand({ command: 'echo oops >&2; exit 3', workdir: '.' }, { cwd, policy: workspace() });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.exitCode, 3);
  assert.equal(failed.aggregatedOutput, 'oops\n');

  const timedOut = await runShellCommand({ command: 'sleep 5', timeout_ms: 100 }, { cwd, policy: workspace() });
  assert.equal(timedOut.exitCode, 124);
  assert.match(timedOut.output, /command timed out after 100 milliseconds/);

  const bad = parseShellCommandArgs('{"workdir":1}');
  assert.equal(bad.ok, false);
  assert.equal(shellCommandToolSpec.name, 'shell_command');
  assert.equal(formatShellOutput({ exitCode: 0, durationMs: 1234, output: 'x' }), 'Exit code: 0\nWall time: 1.2 seconds\nOutput:\nx');
});

test('shell_command does not pass secrets from the server environment', async (t) => {
  const cwd = tempDir(t);
  const env = { ...process.env, OPENAI_API_KEY: 'sk-secret', VISIBLE_VAR: 'shown' };
  const res = await runShellCommand({ command: 'printf "%s|%s" "$OPENAI_API_KEY" "$VISIBLE_VAR"' }, { cwd, policy: full, env });
  assert.equal(res.aggregatedOutput, '|shown');
});

const ROUND_TRIP = `*** Begin Patch
*** Add File: src/new.txt
+hello
+world
*** Update File: src/app.ts
@@ function main() {
-  return 1;
+  return 2;
 }
*** Update File: old-name.md
*** Move to: docs/new-name.md
@@
 # Title
-old line
+new line
*** End of File
*** Delete File: gone.txt
*** End Patch`;

function seedFiles(cwd: string) {
  mkdirSync(path.join(cwd, 'src'));
  writeFileSync(path.join(cwd, 'src/app.ts'), 'import x;\nfunction main() {\n  return 1;\n}\nexport {};\n');
  writeFileSync(path.join(cwd, 'old-name.md'), '# Title\nold line\n');
  writeFileSync(path.join(cwd, 'gone.txt'), 'bye\n');
}

test('apply_patch: add, update, move and delete round trip with per-file diffs and a turn diff', async (t) => {
  const cwd = tempDir(t);
  seedFiles(cwd);
  const tracker = new TurnDiffTracker(cwd);
  const res = await applyPatch(ROUND_TRIP, { cwd, policy: workspace(), tracker });

  assert.equal(readFileSync(path.join(cwd, 'src/new.txt'), 'utf8'), 'hello\nworld\n');
  assert.equal(readFileSync(path.join(cwd, 'src/app.ts'), 'utf8'), 'import x;\nfunction main() {\n  return 2;\n}\nexport {};\n');
  assert.equal(readFileSync(path.join(cwd, 'docs/new-name.md'), 'utf8'), '# Title\nnew line\n');
  assert.equal(existsSync(path.join(cwd, 'old-name.md')), false);
  assert.equal(existsSync(path.join(cwd, 'gone.txt')), false);

  assert.deepEqual(res.changes, [
    { path: path.join(cwd, 'src/new.txt'), kind: { type: 'add' }, diff: 'hello\nworld\n' },
    { path: path.join(cwd, 'src/app.ts'), kind: { type: 'update', move_path: null }, diff: '@@ -2,3 +2,3 @@\n function main() {\n-  return 1;\n+  return 2;\n }\n' },
    {
      path: path.join(cwd, 'old-name.md'),
      kind: { type: 'update', move_path: path.join(cwd, 'docs/new-name.md') },
      diff: '@@ -1,2 +1,2 @@\n # Title\n-old line\n+new line\n',
    },
    { path: path.join(cwd, 'gone.txt'), kind: { type: 'delete' }, diff: 'bye\n' },
  ]);
  assert.equal(res.output, 'Success. Updated the following files:\nA src/new.txt\nM src/app.ts\nM docs/new-name.md\nD gone.txt\n');
  assert.match(res.unifiedDiff, /^diff --git a\/src\/new.txt b\/src\/new.txt\nnew file mode 100644\n--- \/dev\/null\n\+\+\+ b\/src\/new.txt\n@@ -0,0 \+1,2 @@\n\+hello\n\+world\n/);
  assert.match(res.unifiedDiff, /diff --git a\/gone.txt b\/gone.txt\ndeleted file mode 100644\n--- a\/gone.txt\n\+\+\+ \/dev\/null\n@@ -1 \+0,0 @@\n-bye\n/);

  // A second patch in the same turn: the turn diff stays relative to the turn's start.
  await applyPatch('*** Begin Patch\n*** Update File: src/app.ts\n@@\n-  return 2;\n+  return 3;\n*** End Patch', { cwd, policy: workspace(), tracker });
  const turnDiff = await tracker.diff();
  assert.match(turnDiff, /diff --git a\/src\/app.ts b\/src\/app.ts\n--- a\/src\/app.ts\n\+\+\+ b\/src\/app.ts\n@@ -1,5 \+1,5 @@\n import x;\n function main\(\) \{\n- {2}return 1;\n\+ {2}return 3;\n/);
  assert.match(turnDiff, /a\/docs\/new-name.md/);
  assert.match(turnDiff, /a\/old-name.md/);
});

test('apply_patch: a context mismatch names the file and line and applies nothing', async (t) => {
  const cwd = tempDir(t);
  seedFiles(cwd);
  const patch = `*** Begin Patch
*** Add File: created.txt
+should not appear
*** Update File: src/app.ts
@@
-  return 42;
+  return 2;
*** End Patch`;
  await assert.rejects(applyPatch(patch, { cwd, policy: workspace() }), (e: unknown) => {
    assert.ok(e instanceof ApplyPatchError);
    assert.equal(e.code, 'verification');
    assert.match(e.message, /Failed to find expected lines in src\/app\.ts/);
    assert.match(e.message, /" {2}return 42;" does not occur/);
    return true;
  });
  assert.equal(existsSync(path.join(cwd, 'created.txt')), false, 'the add before the failing hunk must not be applied');
  assert.equal(readFileSync(path.join(cwd, 'src/app.ts'), 'utf8'), 'import x;\nfunction main() {\n  return 1;\n}\nexport {};\n');

  await assert.rejects(applyPatch('*** Begin Patch\n*** Update File: src/app.ts\n@@ class Missing\n-x\n*** End Patch', { cwd, policy: workspace() }), /Failed to find context 'class Missing' in src\/app\.ts/);
  await assert.rejects(applyPatch('*** Begin Patch\n*** Frobnicate File: a\n*** End Patch', { cwd, policy: workspace() }), /is not a valid hunk header/);
  // Positive control: the same add alone applies.
  await applyPatch('*** Begin Patch\n*** Add File: created.txt\n+ok\n*** End Patch', { cwd, policy: workspace() });
  assert.equal(readFileSync(path.join(cwd, 'created.txt'), 'utf8'), 'ok\n');
});

test('apply_patch: paths outside the writable roots and read-only policies are refused', async (t) => {
  const cwd = tempDir(t);
  const outsideDir = tempDir(t, '/var/tmp');
  const strict = workspace({ excludeSlashTmp: true, excludeTmpdirEnvVar: true });
  const target = path.join(outsideDir, 'escape.txt');
  const rel = path.relative(cwd, target);
  const add = (p: string) => `*** Begin Patch\n*** Add File: ${p}\n+x\n*** End Patch`;

  for (const p of [rel, target]) {
    await assert.rejects(applyPatch(add(p), { cwd, policy: strict }), (e: unknown) => {
      assert.ok(e instanceof ApplyPatchError && e.code === 'permission');
      assert.match(e.message, /outside the writable roots/);
      return true;
    });
  }
  await assert.rejects(applyPatch(add('.git/hooks/pre-commit'), { cwd, policy: strict }), /stays read-only/);
  await assert.rejects(applyPatch(add('inside.txt'), { cwd, policy: readOnly }), /read-only sandbox policy allows no file changes/);
  assert.equal(existsSync(target), false);
  assert.equal(existsSync(path.join(cwd, 'inside.txt')), false);

  // Positive controls: inside the cwd under workspace-write, and anywhere under danger-full-access.
  await applyPatch(add('inside.txt'), { cwd, policy: strict });
  assert.equal(readFileSync(path.join(cwd, 'inside.txt'), 'utf8'), 'x\n');
  const plan = await planPatch(add(rel), { cwd, policy: full });
  assert.equal(plan.changes[0]?.path, target);
  await applyPatch(add(rel), { cwd, policy: full });
  assert.equal(readFileSync(target, 'utf8'), 'x\n');
});

test('update_plan: args schema and the turn/plan/updated shape', () => {
  const parsed = parseUpdatePlanArgs(
    JSON.stringify({ explanation: 'why', plan: [{ step: 'a', status: 'completed' }, { step: 'b', status: 'in_progress' }, { step: 'c', status: 'pending' }] }),
  );
  assert.ok(parsed.ok);
  assert.deepEqual(toTurnPlanUpdate(parsed.args), {
    explanation: 'why',
    plan: [
      { step: 'a', status: 'completed' },
      { step: 'b', status: 'inProgress' },
      { step: 'c', status: 'pending' },
    ],
  });
  assert.equal(parseUpdatePlanArgs('{"plan":[{"step":"a","status":"done"}]}').ok, false);
  assert.equal(updatePlanToolSpec.name, 'update_plan');
});
