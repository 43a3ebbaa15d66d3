import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AccessControl, AccessTokenError, loadAccessToken } from './auth';
import { ConfigError, loadConfig } from './config/load';
import { isLoopback } from './http-common';
import { Services } from './services/services';
import { assertHomeIsHideable, assertNoWritableSymlinkInHome, UnsafeHomeError } from './services/state-paths';
import { log } from './util/log';
import { packageRoot, packageVersion } from './util/package-root';

const USAGE = `codex-web — a browser-first home for Codex-style agents

Usage:
  codex-web serve [--host 127.0.0.1] [--port 3000]       web app + /api/trpc + /rpc on one port
  codex-web app-server [--listen stdio://|ws://IP:PORT]  the app-server v2 protocol alone (default stdio)
  codex-web import [--from DIR]                         import Codex sessions (default ~/.codex); again: only what is new

Global flags:
  --home DIR            state and config folder (else $CODEX_HOME, else ~/.codex-web)
  -c key=value          override a config.toml key (value parsed as TOML); repeatable
  --strict-config       unknown config keys are an error instead of a warning
serve flags:
  --rotate-token        replace the access token (<home>/codex-web-access-token); signs every browser out
  --no-auth             no access token (only with a loopback --host)
serve and app-server:
  --codex-home DIR      watch this Codex home and sync its sessions live (repeatable; config: codex_homes)
app-server flags:
  --ws-auth capability-token --ws-token-file PATH   require "Authorization: Bearer <token>" (needed off loopback)
`;

export class UsageError extends Error {}

function parseListen(listen: string): { kind: 'stdio' } | { kind: 'ws'; host: string; port: number } {
  if (listen === 'stdio://' || listen === 'stdio') return { kind: 'stdio' };
  const m = /^ws:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(listen);
  if (!m) throw new UsageError(`--listen must be stdio:// or ws://IP:PORT, got "${listen}"`);
  return { kind: 'ws', host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

function installShutdown(close: () => Promise<void> | void): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info(`received ${signal}, shutting down`);
    Promise.resolve(close()).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

const NETWORK_OFF_WARNING =
  'this server listens without a token, so sandboxed commands run with the network off (with it on they could drive this port and run unsandboxed); use a token to allow network_access';

const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** Like Jupyter: the one line that carries the token is the login link itself. */
function printLoginLink(access: ReturnType<typeof loadAccessToken>, host: string, port: number): void {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const linkHost = wildcard ? (host === '0.0.0.0' ? '127.0.0.1' : '[::1]') : urlHost(host);
  const where = access.created ? `a new access token in ${access.file}` : `the access token in ${access.file}`;
  log.info(`access control is on (${where}). Open this login link in your browser once; scripts and /rpc clients send "Authorization: Bearer <token>":`);
  process.stderr.write(`\n    Login link: http://${linkHost}:${port}/?token=${access.token}\n\n`);
  if (wildcard) log.info(`from another machine, replace ${linkHost} in the login link with this machine's address`);
}

export async function main(argv: string[]): Promise<void> {
  process.env.NEXT_TELEMETRY_DISABLED ??= '1';
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      home: { type: 'string' },
      config: { type: 'string', short: 'c', multiple: true },
      'strict-config': { type: 'boolean' },
      host: { type: 'string' },
      port: { type: 'string' },
      listen: { type: 'string' },
      'ws-auth': { type: 'string' },
      'ws-token-file': { type: 'string' },
      dev: { type: 'boolean' },
      'no-auth': { type: 'boolean' },
      'rotate-token': { type: 'boolean' },
      from: { type: 'string' },
      'codex-home': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'V' },
    },
  });
  if (values.help) return void process.stdout.write(USAGE);
  if (values.version) return void process.stdout.write(`codex-web ${packageVersion()}\n`);
  const command = positionals[0] ?? 'serve';
  if (positionals.length > 1 || !['serve', 'app-server', 'import'].includes(command)) throw new UsageError(`unknown command "${positionals.join(' ')}"\n\n${USAGE}`);

  const home = path.resolve(values.home ?? process.env.CODEX_HOME ?? path.join(os.homedir(), '.codex-web'));
  mkdirSync(home, { recursive: true, mode: 0o700 });
  if (command === 'import') {
    const { runImport } = await import('./services/import/cli');
    process.exitCode = runImport({ home, from: path.resolve(values.from ?? path.join(os.homedir(), '.codex')) });
    return;
  }
  const config = loadConfig({ home, overrides: values.config ?? [], strict: values['strict-config'] ?? false });
  for (const w of config.warnings) log.warn(w);
  const expand = (p: string) => path.resolve(p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p);
  const codexHomes = [...new Set([...(values['codex-home'] ?? []), ...(config.raw.codex_homes ?? [])].map(expand))].filter((h) => h !== home);
  assertHomeIsHideable(home, config, process.cwd());
  assertNoWritableSymlinkInHome(home, config, process.cwd());

  if (command === 'app-server') {
    const target = parseListen(values.listen ?? 'stdio://');
    let token: string | null = null;
    if (target.kind !== 'stdio' && values['ws-auth'] !== undefined) {
      if (values['ws-auth'] !== 'capability-token') throw new UsageError(`--ws-auth supports only "capability-token"`);
      if (!values['ws-token-file']) throw new UsageError('--ws-auth capability-token needs --ws-token-file PATH');
      token = readFileSync(values['ws-token-file'], 'utf8').trim();
      if (token.length < 16) throw new UsageError('the token in --ws-token-file must be at least 16 characters');
    }
    const services = new Services({ home, config, secrets: token ? [token] : [], tokenlessListener: target.kind !== 'stdio' && token === null, codexHomes });
    if (target.kind !== 'stdio' && token === null) log.warn(NETWORK_OFF_WARNING);
    if (target.kind === 'stdio') {
      const { serveStdio } = await import('./rpc/stdio');
      serveStdio(services, () => {
        services.close();
        process.exit(0);
      });
      installShutdown(() => services.close());
      return;
    }
    if (!isLoopback(target.host) && token === null) {
      throw new UsageError(`refusing to listen on non-loopback ${target.host} without --ws-auth capability-token --ws-token-file PATH`);
    }
    const { createRpcListener } = await import('./http-rpc');
    const server = createRpcListener(services, token);
    await listen(server, target.port, target.host);
    log.info(`app-server listening on ws://${target.host}:${target.port}`);
    installShutdown(() => new Promise<void>((r) => server.close(() => r())).then(() => services.close()));
    return;
  }

  const host = values.host ?? '127.0.0.1';
  const port = Number(values.port ?? process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535`);
  const noAuth = values['no-auth'] ?? false;
  if (noAuth && !isLoopback(host)) {
    throw new UsageError(`--no-auth is accepted only on a loopback --host (127.0.0.1, ::1, localhost), not ${host}: anyone on the network could use the agent. Drop --no-auth to use the access token.`);
  }
  if (noAuth && values['rotate-token']) throw new UsageError('--rotate-token and --no-auth do not go together');
  const access = noAuth ? null : loadAccessToken(home, values['rotate-token'] ?? false);
  const services = new Services({ home, config, secrets: access ? [access.token] : [], tokenlessListener: access === null, codexHomes });
  if (access === null) log.warn(NETWORK_OFF_WARNING);
  let ready = false;
  const [{ default: next }, { createAppServer }] = await Promise.all([import('next'), import('./http')]);
  const dev = values.dev ?? false;
  const nextApp = next({ dev, dir: packageRoot(), hostname: host, port });
  const handle = nextApp.getRequestHandler();
  const server = createAppServer(
    services,
    { request: (req, res) => handle(req, res), upgrade: dev ? (req, socket, head) => nextApp.getUpgradeHandler()(req, socket, head) : undefined, dev },
    () => ready,
    new AccessControl(access?.token ?? null),
  );
  await listen(server, port, host);
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  await nextApp.prepare();
  ready = true;
  log.info(`codex-web ${packageVersion()} serving http://${urlHost(host)}:${actualPort} (home ${home})`);
  if (access) printLoginLink(access, host, actualPort);
  else log.warn(`access control is off (--no-auth): every local user and program can use this server`);
  installShutdown(() => new Promise<void>((r) => server.close(() => r())).then(() => services.close()));
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError || err instanceof ConfigError || err instanceof AccessTokenError || err instanceof UnsafeHomeError) {
    process.stderr.write(`codex-web: ${err.message}\n`);
    process.exit(2);
  }
  log.error('fatal', err);
  process.exit(1);
});
