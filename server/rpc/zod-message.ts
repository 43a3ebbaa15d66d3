import type { z } from 'zod';

/** "Invalid params: threadId: expected string, received number" — names the offending field. */
export function formatZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'Invalid params';
  const where = issue.path.length > 0 ? issue.path.map(String).join('.') : 'params';
  return `Invalid params: ${where}: ${issue.message}`;
}
