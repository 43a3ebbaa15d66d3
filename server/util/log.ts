import { redactSecrets } from './redact';

/** Logs go to stderr only: on `app-server` stdio, stdout carries JSON-RPC lines and nothing else. */
const quiet = process.env.CODEX_WEB_LOG === 'silent';

let secrets: () => readonly string[] = () => [];

/** Secret values (access token, API keys) cut out of every log line; the login link is not a log line. */
export function redactLogSecrets(source: () => readonly string[]): void {
  secrets = source;
}

function write(level: string, message: string, err?: unknown): void {
  if (quiet && level !== 'error') return;
  const detail = err instanceof Error ? ` ${err.stack ?? err.message}` : err === undefined ? '' : ` ${String(err)}`;
  process.stderr.write(`${redactSecrets(`${new Date().toISOString()} ${level} ${message}${detail}`, secrets())}\n`);
}

export const log = {
  info: (message: string) => write('INFO', message),
  warn: (message: string, err?: unknown) => write('WARN', message, err),
  error: (message: string, err?: unknown) => write('ERROR', message, err),
};
