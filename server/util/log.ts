/** Logs go to stderr only: on `app-server` stdio, stdout carries JSON-RPC lines and nothing else. */
const quiet = process.env.CODEX_WEB_LOG === 'silent';

function write(level: string, message: string, err?: unknown): void {
  if (quiet && level !== 'error') return;
  const detail = err instanceof Error ? ` ${err.stack ?? err.message}` : err === undefined ? '' : ` ${String(err)}`;
  process.stderr.write(`${new Date().toISOString()} ${level} ${message}${detail}\n`);
}

export const log = {
  info: (message: string) => write('INFO', message),
  warn: (message: string, err?: unknown) => write('WARN', message, err),
  error: (message: string, err?: unknown) => write('ERROR', message, err),
};
