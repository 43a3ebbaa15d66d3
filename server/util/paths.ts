import path from 'node:path';

/** `p` is `root` or below it (both absolute and normalized; canonical where symlinks matter). */
export function isWithin(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** `p` is strictly below `root`. */
export function isStrictlyWithin(p: string, root: string): boolean {
  return p !== root && isWithin(p, root);
}
