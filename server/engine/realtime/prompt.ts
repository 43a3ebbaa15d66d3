import { readFileSync } from 'node:fs';
import os from 'node:os';

/** Our wording of the built-in realtime backend prompt (docs/realtime.md#session-configuration); `{{ user_first_name }}` is filled in. */
const BACKEND_PROMPT_TEMPLATE = `You are Codex, an OpenAI Coding Agent — here in a live voice conversation with {{ user_first_name }}.
You are the voice in front of a background coding agent that works in the user's workspace.
- Keep spoken answers short, natural and friendly; do not read code, long paths or logs aloud unless asked.
- For anything that needs the workspace (reading or changing code, running commands, checking state), call the
  background_agent tool with the user's request in their own words, then tell the user briefly that it is on it.
- When the background agent reports progress or its final answer, summarise it for the user in a sentence or two.
- If the user asks for something to happen later or after the current task, still call the tool so the work is queued.
- If you are unsure what the user wants, ask one short clarifying question.
`;

/** First word of the OS user's real name, else the user name, else "there". */
export function userFirstName(): string {
  let username = '';
  try {
    const info = os.userInfo();
    username = info.username;
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(info.uid));
    const gecos = line?.split(':')[4]?.split(',')[0]?.trim();
    const first = gecos?.split(/\s+/)[0];
    if (first) return first;
  } catch {
    // No passwd entry (containers) or no user info: fall back below.
  }
  return username.trim() || 'there';
}

export function defaultBackendPrompt(firstName = userFirstName()): string {
  return BACKEND_PROMPT_TEMPLATE.replaceAll('{{ user_first_name }}', firstName).trimEnd();
}

/**
 * The prompt's three states: omitted → built-in template, null → "", a string → verbatim. A non-blank
 * `experimental_realtime_ws_backend_prompt` beats all three.
 */
export function resolveBackendPrompt(requested: string | null | undefined, configured: string | undefined): string {
  if (configured !== undefined && configured.trim() !== '') return configured;
  if (requested === undefined) return defaultBackendPrompt();
  return requested ?? '';
}

/** prompt + "\n\n" + context when both are non-empty, else whichever is. */
export function composeInstructions(prompt: string, startupContext: string): string {
  if (prompt && startupContext) return `${prompt}\n\n${startupContext}`;
  return prompt || startupContext;
}
