import type { z } from 'zod';

/**
 * The one way we put a zod failure into words: `path.to.field: message` for the first issue (or every issue,
 * `; `-separated); `root` names the value itself when the issue has no path.
 */
export function zodIssueText(error: z.ZodError, opts: { root?: string; all?: boolean } = {}): string {
  const root = opts.root ?? '(root)';
  const issues = opts.all ? error.issues : error.issues.slice(0, 1);
  if (issues.length === 0) return 'invalid value';
  return issues.map((i) => `${i.path.length > 0 ? i.path.map(String).join('.') : root}: ${i.message}`).join('; ');
}
