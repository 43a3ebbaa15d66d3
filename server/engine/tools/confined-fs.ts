// File writes confined to a directory tree, for apply_patch. The server itself is not sandboxed, so a path that
// was checked when the patch was planned must not be trusted when it is written: between the two (the approval
// wait, or simply the await in between) another thread's sandboxed command or the user's own tools can replace a
// directory or the file itself with a symlink that points out of the workspace.
//
// Why this is race-free. Linux resolves `/proc/self/fd/<N>/<name>` through the open directory N itself (a
// "magic link": the kernel jumps to the file the fd refers to, not to a path name), so open/mkdir/rename/unlink
// on that path are Node 20's stand-ins for openat/mkdirat/renameat/unlinkat, which Node does not expose. Every
// write starts from an fd of the writable root (opened with O_NOFOLLOW, and its /proc path checked to still be
// the root) and descends one component at a time, each opened with O_DIRECTORY|O_NOFOLLOW relative to the fd
// before it. Names are single components that are never "." or "..", so the walk can only go down: once an fd
// is open, renaming or re-linking any path cannot change which directory it refers to, and a symlink anywhere
// along the way (also one that appears mid-walk) fails the open with ELOOP/ENOTDIR instead of being followed.
// The final component is never followed either:
//   - a new file is created with O_CREAT|O_EXCL|O_NOFOLLOW (fails on anything already there, dangling links too);
//   - a replaced file is written to a fresh O_EXCL temp file in the same directory fd, then renamed over the
//     name: rename replaces the directory entry (a symlink swapped in would be replaced, never written through),
//     and an inode shared by a hard link from outside the root is left alone;
//   - a delete unlinks the entry in the directory fd (unlink never follows a final symlink).
// What remains: a directory already opened could be moved out of the root (rename) between the /proc check
// right before the final step and that step; the write then lands in that same directory, which was inside the
// root when checked. Harmless: moving it out takes write access to the destination (an attacker who has that can
// write there directly), and a bwrap-sandboxed command cannot do it (its outside is a read-only mount, so the
// rename fails with EXDEV/EROFS). Needs /proc (Linux); without it every confined write fails closed.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readlink, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isWithin } from '../../util/paths';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** O_NONBLOCK: a FIFO swapped in must not hang the open; anything but a regular file is refused after fstat. */
const READ_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

/** A file at `root/parts...`: root is a canonical absolute directory, parts single path components. */
export interface ConfinedTarget {
  root: string;
  parts: readonly string[];
}

/** `refused`: a symlink, a non-directory or a moved directory in the way; `changed`: the file is not as expected. */
export class ConfinedFsError extends Error {
  constructor(readonly kind: 'refused' | 'changed', message: string) {
    super(message);
    this.name = 'ConfinedFsError';
  }
}

export type ConfinedFile = { kind: 'absent' } | { kind: 'symlink' } | { kind: 'file'; text: string; mode: number };

const errno = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code;
const at = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;
const shown = (t: ConfinedTarget, upTo = t.parts.length) => path.join(t.root, ...t.parts.slice(0, upTo));

function checkParts(t: ConfinedTarget): string {
  if (!path.isAbsolute(t.root)) throw new TypeError(`confined-fs: root must be absolute (got ${t.root})`);
  if (t.parts.length === 0) throw new ConfinedFsError('refused', `${t.root} is the writable root itself, not a file`);
  for (const p of t.parts) {
    if (p === '' || p === '.' || p === '..' || p.includes('/') || p.includes('\0')) throw new TypeError(`confined-fs: bad path component ${JSON.stringify(p)}`);
  }
  return t.parts[t.parts.length - 1]!;
}

/** The path the kernel has for an open directory (a deleted one ends in " (deleted)"). */
async function procPath(dir: FileHandle, t: ConfinedTarget, upTo: number): Promise<string> {
  try {
    return await readlink(`/proc/self/fd/${dir.fd}`);
  } catch (e) {
    throw new ConfinedFsError('refused', `cannot verify where ${shown(t, upTo)} is: /proc/self/fd is unavailable (${(e as Error).message}); confined writes need Linux with /proc mounted`);
  }
}

/** Throws unless the open directory is still inside the root. */
async function assertInside(dir: FileHandle, t: ConfinedTarget, upTo: number): Promise<void> {
  const real = await procPath(dir, t, upTo);
  if (!isWithin(real, t.root)) throw new ConfinedFsError('refused', `${shown(t, upTo)} is now ${real}, outside ${t.root}`);
}

async function openRoot(t: ConfinedTarget): Promise<FileHandle> {
  let dir: FileHandle;
  try {
    dir = await open(t.root, DIR_FLAGS);
  } catch (e) {
    throw new ConfinedFsError('refused', `cannot open the writable root ${t.root} as a directory (${errno(e) ?? (e as Error).message})`);
  }
  try {
    // The root path is canonical; if one of its own ancestors was swapped for a symlink the fd is elsewhere.
    const real = await procPath(dir, t, 0);
    if (real !== t.root) throw new ConfinedFsError('refused', `the writable root ${t.root} now resolves to ${real}`);
    return dir;
  } catch (e) {
    await dir.close();
    throw e;
  }
}

/** Why `name` in dir could not be opened as a directory (lstat on the /proc path does not follow the name). */
async function notADirectory(dir: FileHandle, name: string, t: ConfinedTarget, upTo: number): Promise<ConfinedFsError> {
  const st = await lstat(at(dir, name)).catch(() => null);
  const what = st?.isSymbolicLink() ? 'is a symbolic link; apply_patch never writes through symbolic links' : 'is not a directory';
  return new ConfinedFsError('refused', `${shown(t, upTo)} ${what}`);
}

/**
 * Opens the directory that holds the target, one component at a time from the root, never following a symlink.
 * Missing directories are created when `create`, else the answer is null (the target cannot exist).
 */
async function openParent(t: ConfinedTarget, create: boolean): Promise<FileHandle | null> {
  checkParts(t);
  let dir = await openRoot(t);
  try {
    for (let i = 0; i < t.parts.length - 1; i++) {
      const name = t.parts[i]!;
      let next: FileHandle | undefined;
      for (let attempt = 0; next === undefined; attempt++) {
        try {
          next = await open(at(dir, name), DIR_FLAGS);
        } catch (e) {
          const code = errno(e);
          if (code === 'ENOENT' && !create) {
            await dir.close();
            return null;
          }
          if (code === 'ENOENT' && attempt === 0) {
            // mkdir never follows a symlink at its final component (EEXIST); the open above then refuses it.
            await mkdir(at(dir, name)).catch((me: unknown) => {
              if (errno(me) !== 'EEXIST') throw me;
            });
            continue;
          }
          if (code === 'ENOTDIR' || code === 'ELOOP') throw await notADirectory(dir, name, t, i + 1);
          throw e;
        }
      }
      await dir.close();
      dir = next;
    }
    await assertInside(dir, t, t.parts.length - 1);
    return dir;
  } catch (e) {
    await dir.close().catch(() => {});
    throw e;
  }
}

async function readEntry(dir: FileHandle, name: string, t: ConfinedTarget): Promise<ConfinedFile> {
  let fh: FileHandle;
  try {
    fh = await open(at(dir, name), READ_FLAGS);
  } catch (e) {
    if (errno(e) === 'ENOENT') return { kind: 'absent' };
    if (errno(e) === 'ELOOP') return { kind: 'symlink' };
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new ConfinedFsError('refused', `${shown(t)} is not a regular file`);
    return { kind: 'file', text: await fh.readFile('utf8'), mode: st.mode };
  } finally {
    await fh.close();
  }
}

/** What is at the target now, without following any symlink (a symlink anywhere above it is refused). */
export async function readConfined(t: ConfinedTarget): Promise<ConfinedFile> {
  const name = checkParts(t);
  const dir = await openParent(t, false);
  if (dir === null) return { kind: 'absent' };
  try {
    return await readEntry(dir, name, t);
  } finally {
    await dir.close();
  }
}

const symlinkRefusal = (t: ConfinedTarget) => new ConfinedFsError('refused', `${shown(t)} is a symbolic link; apply_patch never writes through symbolic links`);

/**
 * Writes `content` to the target, creating missing directories. `expected` is what must be there right before
 * the write: null = nothing (the file is created with O_EXCL), else the exact current text (it is replaced).
 */
export async function writeConfined(t: ConfinedTarget, content: string, expected: string | null): Promise<void> {
  const name = checkParts(t);
  const dir = (await openParent(t, true))!;
  try {
    if (expected === null) {
      let fh: FileHandle;
      try {
        fh = await open(at(dir, name), CREATE_FLAGS, 0o666);
      } catch (e) {
        if (errno(e) !== 'EEXIST') throw e;
        const now = await readEntry(dir, name, t);
        throw now.kind === 'symlink' ? symlinkRefusal(t) : new ConfinedFsError('changed', `${shown(t)} appeared on disk after the patch was checked`);
      }
      try {
        await fh.writeFile(content);
      } finally {
        await fh.close();
      }
      return;
    }
    const now = await readEntry(dir, name, t);
    if (now.kind === 'symlink') throw symlinkRefusal(t);
    if (now.kind === 'absent' || now.text !== expected) throw new ConfinedFsError('changed', `${shown(t)} changed on disk after the patch was checked`);
    const tmp = `.apply-patch-${randomBytes(8).toString('hex')}.tmp`;
    const fh = await open(at(dir, tmp), CREATE_FLAGS, 0o600);
    let placed = false;
    try {
      try {
        await fh.writeFile(content);
        await fh.chmod(now.mode & 0o7777);
      } finally {
        await fh.close();
      }
      await assertInside(dir, t, t.parts.length - 1);
      await rename(at(dir, tmp), at(dir, name));
      placed = true;
    } finally {
      if (!placed) await unlink(at(dir, tmp)).catch(() => {});
    }
  } finally {
    await dir.close();
  }
}

/** Removes the target's directory entry (a symlink itself, never what it points to); absent is fine. */
export async function unlinkConfined(t: ConfinedTarget): Promise<void> {
  const name = checkParts(t);
  const dir = await openParent(t, false);
  if (dir === null) return;
  try {
    await unlink(at(dir, name)).catch((e: unknown) => {
      if (errno(e) !== 'ENOENT') throw e;
    });
  } finally {
    await dir.close();
  }
}
