// Parsing a function call's `arguments` JSON against a tool's zod schema; failures are messages for the model.
import type { z } from 'zod';
import { zodIssueText } from '../../util/zod-issues';

export type ParsedArgs<T> = { ok: true; args: T } | { ok: false; message: string };

export function parseToolArgs<S extends z.ZodType>(schema: S, argumentsJson: string): ParsedArgs<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(argumentsJson);
  } catch (e) {
    return { ok: false, message: `failed to parse function arguments: ${(e as Error).message}` };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, message: `failed to parse function arguments: ${zodIssueText(parsed.error, { all: true })}` };
  }
  return { ok: true, args: parsed.data };
}
