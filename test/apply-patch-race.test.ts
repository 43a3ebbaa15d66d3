// apply_patch confinement: the (unsandboxed) server writes only inside the writable roots, even when a path
// component is swapped for a symlink between planning (and the approval wait) and writing, and never writes
// into a `.git` / `.codex` directory at any depth. Each attack has a positive control next to it.
import assert from 'node:assert/strict';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import type { SandboxPolicy } from '../server/protocol/common';
import { ApplyPatchError, applyPatch, commitPatch, planPatch } from '../server/engine/tools/apply-patch';
import { ConfinedFsError, readConfined, unlinkConfined, writeConfined } from '../server/engine/tools/confined-fs';

// /tmp and $TMPDIR are writable roots by default; exclude them so the "outside" directory really is outside.
const policy: SandboxPolicy = { type: 'workspaceWrite', writableRoots: [], networkAccess: false, excludeTmpdirEnvVar: true, excludeSlashTmp: true };

/** A workspace `ws` (the cwd) and a sibling directory `outside` that is not a writable root. */
function setup(t: TestContext) {
  const base = mkdtempSync(path.join(os.tmpdir(), 'codex-web-race-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const ws = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  mkdirSync(ws);
  mkdirSync(outside);
  return { ws, outside, ctx: { cwd: ws, policy } };
}

/** Name → content of every file under dir (symlinks shown as `-> target`). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const rel = path.relative(dir, p);
      if (e.isSymbolicLink()) out[rel] = `-> ${readlinkSync(p)}`;
      else if (e.isDirectory()) walk(p);
      else out[rel] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

/** Asserts the promise rejects with an ApplyPatchError whose message matches. */
async function refused(p: Promise<unknown>, re: RegExp): Promise<ApplyPatchError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected a refusal matching ${re}`),
    (e: unknown) => (caught = e),
  );
  assert.ok(caught instanceof ApplyPatchError, `expected an ApplyPatchError, got ${String(caught)}`);
  assert.match(caught.message, re);
  return caught;
}

const update = (p: string, from: string, to: string) => `*** Begin Patch\n*** Update File: ${p}\n@@\n-${from}\n+${to}\n*** End Patch`;
const add = (p: string, line = 'pwned') => `*** Begin Patch\n*** Add File: ${p}\n+${line}\n*** End Patch`;
const del = (p: string) => `*** Begin Patch\n*** Delete File: ${p}\n*** End Patch`;

/** Replaces ws/<name> (a directory) by a symlink to `to`, the way an attacker would between plan and write. */
function swapForSymlink(ws: string, name: string, to: string) {
  renameSync(path.join(ws, name), path.join(ws, `${name}.moved-away`));
  symlinkSync(to, path.join(ws, name));
}

test('race: a directory swapped for a symlink after planning (the approval wait) cannot redirect an update', async (t) => {
  const { ws, outside, ctx } = setup(t);
  mkdirSync(path.join(ws, 'dir'));
  writeFileSync(path.join(ws, 'dir/file.txt'), 'original\n');
  // The attacker prepared an identical-looking file outside, so the "changed on disk" check cannot tell.
  writeFileSync(path.join(outside, 'file.txt'), 'original\n');
  const plan = await planPatch(update('dir/file.txt', 'original', 'patched'), ctx);
  swapForSymlink(ws, 'dir', outside);
  const before = snapshot(outside);
  const err = await refused(commitPatch(plan), /symbolic link/);
  assert.equal(err.code, 'permission');
  assert.deepEqual(snapshot(outside), before, 'the outside directory must be untouched');
  assert.equal(readFileSync(path.join(ws, 'dir.moved-away/file.txt'), 'utf8'), 'original\n');

  // Positive control: the same plan applies once the real directory is back.
  rmSync(path.join(ws, 'dir'));
  renameSync(path.join(ws, 'dir.moved-away'), path.join(ws, 'dir'));
  await commitPatch(plan);
  assert.equal(readFileSync(path.join(ws, 'dir/file.txt'), 'utf8'), 'patched\n');
  assert.equal(readFileSync(path.join(outside, 'file.txt'), 'utf8'), 'original\n');
});

test('race: an Add File, a Delete File and a Move are not redirected by a swapped directory either', async (t) => {
  const { ws, outside, ctx } = setup(t);
  mkdirSync(path.join(ws, 'dir'));
  writeFileSync(path.join(ws, 'dir/victim.txt'), 'keep\n');
  writeFileSync(path.join(outside, 'victim.txt'), 'keep\n');
  writeFileSync(path.join(ws, 'src.txt'), 'a\n');
  mkdirSync(path.join(ws, 'dest'));

  const addPlan = await planPatch(add('dir/new.txt'), ctx);
  const delPlan = await planPatch(del('dir/victim.txt'), ctx);
  const movePlan = await planPatch('*** Begin Patch\n*** Update File: src.txt\n*** Move to: dest/moved.txt\n@@\n-a\n+b\n*** End Patch', ctx);
  swapForSymlink(ws, 'dir', outside);
  swapForSymlink(ws, 'dest', outside);
  const before = snapshot(outside);
  await refused(commitPatch(addPlan), /symbolic link/);
  await refused(commitPatch(delPlan), /symbolic link/);
  await refused(commitPatch(movePlan), /symbolic link/);
  assert.deepEqual(snapshot(outside), before, 'the outside directory must be untouched');
  assert.equal(readFileSync(path.join(ws, 'src.txt'), 'utf8'), 'a\n', 'a refused move keeps its source');
});

test('race: a file swapped for a symlink to an outside file after planning is not written through', async (t) => {
  const { ws, outside, ctx } = setup(t);
  writeFileSync(path.join(ws, 'file.txt'), 'original\n');
  writeFileSync(path.join(outside, 'secret.txt'), 'original\n');
  const plan = await planPatch(update('file.txt', 'original', 'patched'), ctx);
  rmSync(path.join(ws, 'file.txt'));
  symlinkSync(path.join(outside, 'secret.txt'), path.join(ws, 'file.txt'));
  await refused(commitPatch(plan), /symbolic link/);
  assert.equal(readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'original\n');
  assert.ok(lstatSync(path.join(ws, 'file.txt')).isSymbolicLink());
});

test('static: a final-component symlink, a parent symlink, a Move into and a Delete through a symlinked dir are refused', async (t) => {
  const { ws, outside, ctx } = setup(t);
  writeFileSync(path.join(outside, 'target.txt'), 'outside\n');
  symlinkSync(path.join(outside, 'target.txt'), path.join(ws, 'link.txt'));
  symlinkSync(outside, path.join(ws, 'out'));
  symlinkSync(path.join(outside, 'not-yet.txt'), path.join(ws, 'dangling.txt'));
  symlinkSync(path.join(outside, 'no-dir'), path.join(ws, 'dangling-dir'));
  writeFileSync(path.join(ws, 'mine.txt'), 'mine\n');
  const before = snapshot(outside);

  await refused(applyPatch(update('link.txt', 'outside', 'x'), ctx), /outside the writable roots/);
  await refused(applyPatch(update('out/target.txt', 'outside', 'x'), ctx), /outside the writable roots/);
  await refused(applyPatch(add('out/new.txt'), ctx), /outside the writable roots/);
  await refused(applyPatch(del('out/target.txt'), ctx), /outside the writable roots/);
  await refused(applyPatch('*** Begin Patch\n*** Update File: mine.txt\n*** Move to: out/mine.txt\n@@\n-mine\n+moved\n*** End Patch', ctx), /outside the writable roots/);
  // A dangling link (or a link through a directory that does not exist yet) must not be created through.
  await refused(applyPatch(add('dangling.txt'), ctx), /symbolic link/);
  await refused(applyPatch(add('dangling-dir/new.txt'), ctx), /symbolic link/);
  assert.deepEqual(snapshot(outside), before, 'the outside directory must be untouched');
  assert.equal(existsSync(path.join(outside, 'not-yet.txt')), false);
  assert.equal(existsSync(path.join(outside, 'no-dir')), false);
  assert.equal(readFileSync(path.join(ws, 'mine.txt'), 'utf8'), 'mine\n');
});

test('.git and .codex at any depth stay unwritable; look-alikes are fine', async (t) => {
  const { ws, ctx } = setup(t);
  mkdirSync(path.join(ws, 'sub/.git'), { recursive: true });
  writeFileSync(path.join(ws, 'sub/.git/config'), '[core]\n');
  mkdirSync(path.join(ws, 'a/b/.git/hooks'), { recursive: true });
  mkdirSync(path.join(ws, 'real-git/hooks'), { recursive: true });
  symlinkSync('real-git', path.join(ws, 'sneaky'));
  mkdirSync(path.join(ws, '.git'));
  symlinkSync('.git', path.join(ws, 'gitlink'));

  await refused(applyPatch(update('sub/.git/config', '[core]', '[core] hooksPath=/tmp/x'), ctx), /sub\/\.git stays read-only/);
  await refused(applyPatch(add('a/b/.git/hooks/pre-commit', '#!/bin/sh'), ctx), /a\/b\/\.git stays read-only/);
  await refused(applyPatch(add('new/.git/config'), ctx), /\.git stays read-only/);
  await refused(applyPatch(add('sub/.codex/config.toml'), ctx), /\.codex stays read-only/);
  await refused(applyPatch(add('vendor/.GIT/config'), ctx), /stays read-only/);
  await refused(applyPatch(add('sub2/.git'), ctx), /stays read-only/); // a `.git` file (gitdir: ...) too
  await refused(applyPatch(add('gitlink/hooks/pre-commit'), ctx), /\.git stays read-only/);
  await refused(applyPatch(del('sub/.git/config'), ctx), /stays read-only/);
  assert.equal(readFileSync(path.join(ws, 'sub/.git/config'), 'utf8'), '[core]\n');
  assert.equal(existsSync(path.join(ws, 'a/b/.git/hooks/pre-commit')), false);
  assert.equal(existsSync(path.join(ws, 'new')), false);

  // Positive controls: names that merely contain "git", and an in-root symlink to an ordinary directory.
  await applyPatch(add('sub/.gitignore', 'dist'), ctx);
  await applyPatch(add('sub/git/.github/workflows/ci.yml', 'on: push'), ctx);
  await applyPatch(add('sneaky/hooks/ok.txt', 'fine'), ctx);
  assert.equal(readFileSync(path.join(ws, 'sub/.gitignore'), 'utf8'), 'dist\n');
  assert.equal(readFileSync(path.join(ws, 'sub/git/.github/workflows/ci.yml'), 'utf8'), 'on: push\n');
  assert.equal(readFileSync(path.join(ws, 'real-git/hooks/ok.txt'), 'utf8'), 'fine\n');
});

test('legit writes still work: nested new dirs, moves, deletes, in-root symlinks, modes and hard links', async (t) => {
  const { ws, outside, ctx } = setup(t);
  mkdirSync(path.join(ws, 'src/lib'), { recursive: true });
  writeFileSync(path.join(ws, 'src/lib/a.ts'), 'export const a = 1;\n', { mode: 0o755 });
  writeFileSync(path.join(ws, 'old.txt'), 'old\n');
  writeFileSync(path.join(ws, 'gone.txt'), 'bye\n');
  writeFileSync(path.join(ws, 'real.md'), '# real\n');
  symlinkSync('real.md', path.join(ws, 'README.md'));
  writeFileSync(path.join(ws, 'alias-target.txt'), 'x\n');
  symlinkSync('alias-target.txt', path.join(ws, 'alias.txt'));
  // A file hard-linked from outside (a pnpm store, a backup): editing the workspace copy must not edit the other.
  writeFileSync(path.join(outside, 'shared.txt'), 'shared\n');
  linkSync(path.join(outside, 'shared.txt'), path.join(ws, 'shared.txt'));

  const res = await applyPatch(
    [
      '*** Begin Patch',
      '*** Add File: deep/new/dir/file.txt',
      '+hello',
      '*** Update File: src/lib/a.ts',
      '@@',
      '-export const a = 1;',
      '+export const a = 2;',
      '*** Update File: old.txt',
      '*** Move to: moved/into/new.txt',
      '@@',
      '-old',
      '+new',
      '*** Delete File: gone.txt',
      '*** Update File: README.md',
      '@@',
      '-# real',
      '+# edited through an in-root link',
      '*** Delete File: alias.txt',
      '*** Update File: shared.txt',
      '@@',
      '-shared',
      '+mine',
      '*** End Patch',
    ].join('\n'),
    ctx,
  );
  assert.match(res.output, /^Success\./);
  assert.equal(readFileSync(path.join(ws, 'deep/new/dir/file.txt'), 'utf8'), 'hello\n');
  assert.equal(readFileSync(path.join(ws, 'src/lib/a.ts'), 'utf8'), 'export const a = 2;\n');
  assert.equal(statSync(path.join(ws, 'src/lib/a.ts')).mode & 0o777, 0o755, 'an update keeps the file mode');
  assert.equal(readFileSync(path.join(ws, 'moved/into/new.txt'), 'utf8'), 'new\n');
  assert.equal(existsSync(path.join(ws, 'old.txt')), false);
  assert.equal(existsSync(path.join(ws, 'gone.txt')), false);
  assert.ok(lstatSync(path.join(ws, 'README.md')).isSymbolicLink(), 'an in-root link stays a link');
  assert.equal(readFileSync(path.join(ws, 'real.md'), 'utf8'), '# edited through an in-root link\n');
  assert.equal(existsSync(path.join(ws, 'alias.txt')), false, 'deleting a link removes the link');
  assert.equal(readFileSync(path.join(ws, 'alias-target.txt'), 'utf8'), 'x\n', '... not its target');
  assert.equal(readFileSync(path.join(ws, 'shared.txt'), 'utf8'), 'mine\n');
  assert.equal(readFileSync(path.join(outside, 'shared.txt'), 'utf8'), 'shared\n', 'a hard link out of the root is not written through');
  assert.deepEqual(readdirSync(ws).filter((n) => n.includes('apply-patch')), [], 'no temporary files are left behind');
});

test('a file changed on disk between planning and writing is reported and nothing is written', async (t) => {
  const { ws, ctx } = setup(t);
  writeFileSync(path.join(ws, 'a.txt'), 'a\n');
  writeFileSync(path.join(ws, 'b.txt'), 'b\n');
  const plan = await planPatch('*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+A\n*** Add File: b2.txt\n+b2\n*** End Patch', ctx);
  writeFileSync(path.join(ws, 'b2.txt'), 'someone else\n');
  await refused(commitPatch(plan), /changed on disk/);
  assert.equal(readFileSync(path.join(ws, 'a.txt'), 'utf8'), 'a\n');
  assert.equal(readFileSync(path.join(ws, 'b2.txt'), 'utf8'), 'someone else\n');
});

test('confined-fs primitives: never follow a symlink at any depth, also one swapped in after the check', async (t) => {
  const { ws, outside } = setup(t);
  const root = realpathSync(ws);
  mkdirSync(path.join(ws, 'a/b'), { recursive: true });
  writeFileSync(path.join(ws, 'a/b/f.txt'), 'f\n');
  writeFileSync(path.join(outside, 'f.txt'), 'f\n');
  const target = { root, parts: ['a', 'b', 'f.txt'] };
  assert.deepEqual(await readConfined(target), { kind: 'file', text: 'f\n', mode: statSync(path.join(ws, 'a/b/f.txt')).mode });

  // The check passed; now b is swapped (the window between commitPatch's check and its write).
  swapForSymlink(path.join(ws, 'a'), 'b', outside);
  await assert.rejects(readConfined(target), (e: unknown) => e instanceof ConfinedFsError && e.kind === 'refused' && /a\/b is a symbolic link/.test(e.message));
  await assert.rejects(writeConfined(target, 'x\n', 'f\n'), (e: unknown) => e instanceof ConfinedFsError && e.kind === 'refused');
  await assert.rejects(writeConfined({ root, parts: ['a', 'b', 'new.txt'] }, 'x\n', null), (e: unknown) => e instanceof ConfinedFsError && e.kind === 'refused');
  await assert.rejects(writeConfined({ root, parts: ['a', 'b', 'deeper', 'new.txt'] }, 'x\n', null), (e: unknown) => e instanceof ConfinedFsError && e.kind === 'refused');
  await assert.rejects(unlinkConfined(target), (e: unknown) => e instanceof ConfinedFsError && e.kind === 'refused');
  assert.deepEqual(readdirSync(outside), ['f.txt']);
  assert.equal(readFileSync(path.join(outside, 'f.txt'), 'utf8'), 'f\n');

  // The final component: a link is reported as such, never opened, and a create never goes through it.
  symlinkSync(path.join(outside, 'f.txt'), path.join(ws, 'final.txt'));
  symlinkSync(path.join(outside, 'nope.txt'), path.join(ws, 'dangling.txt'));
  assert.deepEqual(await readConfined({ root, parts: ['final.txt'] }), { kind: 'symlink' });
  await assert.rejects(writeConfined({ root, parts: ['final.txt'] }, 'x\n', 'f\n'), /symbolic link/);
  await assert.rejects(writeConfined({ root, parts: ['dangling.txt'] }, 'x\n', null), /symbolic link/);
  assert.equal(existsSync(path.join(outside, 'nope.txt')), false);
  await unlinkConfined({ root, parts: ['final.txt'] }); // removes the link only
  assert.equal(existsSync(path.join(ws, 'final.txt')), false);
  assert.equal(readFileSync(path.join(outside, 'f.txt'), 'utf8'), 'f\n');

  // A root that no longer is what it was (swapped for a symlink itself) is refused too.
  const movedRoot = `${root}.moved`;
  renameSync(root, movedRoot);
  symlinkSync(outside, root);
  await assert.rejects(writeConfined({ root, parts: ['x.txt'] }, 'x\n', null), (e: unknown) => e instanceof ConfinedFsError && e.kind === 'refused');
  assert.equal(existsSync(path.join(outside, 'x.txt')), false);
  rmSync(root);
  renameSync(movedRoot, root);

  // Positive control: the same primitives work on real directories, creating missing ones.
  await writeConfined({ root, parts: ['n1', 'n2', 'new.txt'] }, 'new\n', null);
  assert.equal(readFileSync(path.join(ws, 'n1/n2/new.txt'), 'utf8'), 'new\n');
  await writeConfined({ root, parts: ['n1', 'n2', 'new.txt'] }, 'newer\n', 'new\n');
  assert.equal(readFileSync(path.join(ws, 'n1/n2/new.txt'), 'utf8'), 'newer\n');
  await assert.rejects(writeConfined({ root, parts: ['n1', 'n2', 'new.txt'] }, 'x\n', 'stale\n'), (e: unknown) => e instanceof ConfinedFsError && e.kind === 'changed');
  await unlinkConfined({ root, parts: ['n1', 'n2', 'new.txt'] });
  assert.deepEqual(readdirSync(path.join(ws, 'n1/n2')), []);
});
