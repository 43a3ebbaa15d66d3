import type { z } from 'zod';
import { zodIssueText } from '../util/zod-issues';

/** "Invalid params: threadId: expected string, received number" — names the offending field. */
export function formatZodError(error: z.ZodError): string {
  return error.issues.length === 0 ? 'Invalid params' : `Invalid params: ${zodIssueText(error, { root: 'params' })}`;
}
