/**
 * `npm run demo` — the app against a scripted mock model, no API key and no network needed.
 *
 * Resets `./.codex-web-demo/` (gitignored): `home/` (config.toml pointing at the mock provider,
 * approval_policy = "untrusted", sandbox_mode = "workspace-write", and the SQLite state) and `workspace/` (a
 * small sample project the agent works in). Starts the scripted mock provider (scripts/mock-provider.ts) and
 * `codex-web serve` on 127.0.0.1:3000, prints a banner, and stops both on Ctrl-C.
 *
 *   npm run demo -- [--port 3000] [--delay-ms 25]
 *
 * `npm run demo` builds first when needed (scripts/ensure-build.mjs).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mockProviderConfig } from '../testkit/mock-provider-config';
import { DEMO_PROMPTS, startScriptedMockProvider } from './mock-provider';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = path.join(ROOT, 'dist', 'codex-web.mjs');
const DEMO_DIR = path.join(ROOT, '.codex-web-demo');

function flag(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

function prepare(mockUrl: string): { home: string; workspace: string } {
  rmSync(DEMO_DIR, { recursive: true, force: true });
  const home = path.join(DEMO_DIR, 'home');
  const workspace = path.join(DEMO_DIR, 'workspace');
  mkdirSync(home, { recursive: true });
  mkdirSync(path.join(workspace, 'src'), { recursive: true });
  writeFileSync(
    path.join(home, 'config.toml'),
    '# Written by npm run demo: every answer comes from the scripted mock model in scripts/mock-provider.ts.\n' +
      mockProviderConfig({ baseUrl: mockUrl, model: 'codex-web-demo', approvalPolicy: 'untrusted', sandbox: 'workspace-write', name: 'Offline demo (scripted mock model)' }),
  );
  writeFileSync(path.join(workspace, 'README.md'), '# Demo workspace\n\nA tiny project for the Codex Web offline demo. The agent works here.\n');
  writeFileSync(path.join(workspace, 'src', 'greet.js'), 'export function greet(name) {\n  return `Hello, ${name}!`;\n}\n');
  // A git repository, so `git status --short` in the shell scenario has something to say. Optional.
  const git = (...args: string[]) => spawnSync('git', args, { cwd: workspace, stdio: 'ignore' });
  if (git('init', '-q').status === 0) {
    git('add', '-A');
    git('-c', 'user.name=Codex Web demo', '-c', 'user.email=demo@codex-web.invalid', 'commit', '-qm', 'Demo workspace');
    writeFileSync(path.join(workspace, 'NOTES.md'), 'An uncommitted file, so git status shows something.\n');
  }
  return { home, workspace };
}

async function waitReady(url: string, child: ReturnType<typeof spawn>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`codex-web serve exited with code ${child.exitCode} (is the port in use? try npm run demo -- --port 3001)`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`codex-web serve was not ready at ${url} within ${timeoutMs} ms`);
}

function banner(url: string, port: number, mockUrl: string, demoDir: string, token: string | null): string {
  const turnCmd = (prompt: string) => `node scripts/demo-turn.mjs${port === 3000 ? '' : ` --port ${port}`} "${prompt}"`;
  const rule = '═'.repeat(78);
  return [
    '',
    rule,
    '  OFFLINE DEMO — answers come from a scripted mock model, not OpenAI',
    rule,
    `  Web UI:          ${token ? `${url}/?token=${token}  (login link: open it once)` : url}`,
    `  JSON-RPC:        ws://127.0.0.1:${port}/rpc${token ? '  (Authorization: Bearer <home>/codex-web-access-token)' : ''}`,
    `  Mock model:      ${mockUrl}  (scripts/mock-provider.ts; nothing leaves this machine)`,
    `  State:           ${path.relative(process.cwd(), demoDir) || demoDir}/  (reset on every npm run demo)`,
    '  Policy:          approval_policy = "untrusted", sandbox_mode = "workspace-write"',
    '',
    '  Drive a turn from another terminal (needed while the web UI has no composer): it streams',
    '  the answer, auto-approves (--decline to refuse) and prints command output:',
    '',
    ...DEMO_PROMPTS.map((p) => `    ${turnCmd(p)}`),
    '',
    '  Keywords pick the scenario: "run"/"command" → shell command with an approval,',
    '  "patch"/"edit" → apply_patch, "plan" → update_plan, anything else → a streamed answer.',
    '  Then open the thread in the web UI. Ctrl-C stops the demo.',
    rule,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = Number(flag(args, '--port', '3000'));
  const delayMs = Number(flag(args, '--delay-ms', '25'));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port: not a port: ${flag(args, '--port', '')}`);
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run npm run build (npm run demo does it for you)`);

  const mock = await startScriptedMockProvider({ delayMs });
  const { home, workspace } = prepare(mock.url);

  // The server's working directory is the default cwd of new threads: the demo workspace.
  const serve = spawn(process.execPath, [SERVER, 'serve', '--home', home, '--host', '127.0.0.1', '--port', String(port)], {
    cwd: workspace,
    env: process.env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    if (serve.exitCode === null && serve.signalCode === null) {
      const exited = new Promise<void>((r) => serve.once('exit', () => r()));
      serve.kill('SIGTERM');
      const killer = setTimeout(() => serve.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await mock.close();
    process.exit(code);
  };
  process.on('SIGINT', () => {
    console.log('\nstopping the demo…');
    void stop(0);
  });
  process.on('SIGTERM', () => void stop(0));
  serve.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`codex-web serve exited (${signal ?? `code ${code}`}); stopping the demo`);
    void stop(code ?? 1);
  });

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/readyz`, serve, 60_000);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    await stop(1);
    return;
  }
  // With access control on, serve keeps its token in the home (scripts/demo-turn.mjs reads it from there too).
  const tokenFile = path.join(home, 'codex-web-access-token');
  const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : null;
  console.log(banner(url, port, mock.url, DEMO_DIR, token));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
