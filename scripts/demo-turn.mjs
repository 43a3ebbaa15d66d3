// Runs one agent turn against a running `codex-web serve` over its JSON-RPC WebSocket (/rpc) and prints
// what streams back: reasoning, the answer's deltas, commands and their output, patches, plans. Approval
// requests are accepted automatically (--decline to refuse them). Made for `npm run demo`, whose web UI
// cannot start a turn yet (no composer); works against any codex-web serve.
//
//   node scripts/demo-turn.mjs "Run a command to show me the files here"
//   node scripts/demo-turn.mjs --port 3000 --thread <threadId> --decline "edit the project"
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const USAGE =
  'usage: node scripts/demo-turn.mjs [--port 3000] [--host 127.0.0.1] [--thread ID] [--decline] [--timeout-ms 120000]\n' +
  '                                  [--token T | --home DIR] "prompt"\n' +
  '  The access token (if the server uses one): --token, else $CODEX_WEB_TOKEN, else <home>/codex-web-access-token\n' +
  '  with <home> = --home, else the demo\'s .codex-web-demo/home.';
const DEMO_HOME = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.codex-web-demo', 'home');

function accessToken(opts) {
  if (opts.token) return opts.token;
  if (process.env.CODEX_WEB_TOKEN) return process.env.CODEX_WEB_TOKEN;
  const file = path.join(opts.home ?? DEMO_HOME, 'codex-web-access-token');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

function parseArgs(argv) {
  const opts = { port: 3000, host: '127.0.0.1', thread: null, decline: false, timeoutMs: 120_000, token: null, home: null, prompt: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === '--port') opts.port = Number(value());
    else if (a === '--host') opts.host = value();
    else if (a === '--thread') opts.thread = value();
    else if (a === '--timeout-ms') opts.timeoutMs = Number(value());
    else if (a === '--token') opts.token = value();
    else if (a === '--home') opts.home = value();
    else if (a === '--decline') opts.decline = true;
    else if (a === '-h' || a === '--help') {
      console.log(USAGE);
      process.exit(0);
    } else opts.prompt.push(a);
  }
  if (opts.prompt.length === 0) throw new Error(USAGE);
  return { ...opts, prompt: opts.prompt.join(' ') };
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
const dim = paint('2');
const bold = paint('1');
const cyan = paint('36');
const yellow = paint('33');
const green = paint('32');
const red = paint('31');

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const url = `ws://${opts.host}:${opts.port}/rpc`;
  const token = accessToken(opts);
  const ws = new WebSocket(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`${url} answered HTTP ${res.statusCode}${res.statusCode === 401 ? ': pass the access token (--token, CODEX_WEB_TOKEN or --home)' : ''}`)),
    );
    ws.once('error', (err) => reject(new Error(`cannot connect to ${url} (${err.message}); is \`npm run demo\` running?`)));
  });

  let nextId = 1;
  const pending = new Map();
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, method });
      ws.send(JSON.stringify({ id, method, params }));
    });

  let threadId = null;
  let turnId = null;
  let column = 0; // whether the cursor sits mid-line
  const write = (s) => {
    if (s.length === 0) return;
    process.stdout.write(s);
    column = s.endsWith('\n') ? 0 : 1;
  };
  const line = (s) => write(`${column ? '\n' : ''}${s}\n`);
  let streaming = null; // which item is streaming text

  const early = new Map(); // turn/completed that raced ahead of the turn/start answer
  let finish;
  const done = new Promise((resolve) => (finish = resolve));

  const onNotification = (method, p) => {
    if (p?.threadId && threadId && p.threadId !== threadId) return;
    switch (method) {
      case 'item/reasoning/summaryTextDelta':
        if (streaming !== p.itemId) write(`${column ? '\n' : ''}${dim('thinking: ')}`);
        streaming = p.itemId;
        write(dim(p.delta));
        break;
      case 'item/agentMessage/delta':
        if (streaming !== p.itemId) line(bold('codex:'));
        streaming = p.itemId;
        write(p.delta);
        break;
      case 'item/commandExecution/outputDelta':
        if (streaming !== p.itemId) line('');
        streaming = p.itemId;
        write(dim(p.delta));
        break;
      case 'item/started':
        streaming = null;
        if (p.item.type === 'commandExecution') line(cyan(`$ ${p.item.command}`) + dim(`   (cwd ${p.item.cwd})`));
        else if (p.item.type === 'fileChange') line(cyan(`patch: ${p.item.changes.map((c) => `${c.kind?.type ?? c.kind} ${c.path}`).join(', ')}`));
        break;
      case 'item/completed':
        if (p.item.type === 'commandExecution') {
          const status = p.item.status === 'completed' ? green(`exit ${p.item.exitCode}`) : red(p.item.status);
          line(`${status}${p.item.durationMs != null ? dim(` in ${p.item.durationMs} ms`) : ''}`);
        } else if (p.item.type === 'fileChange') {
          for (const c of p.item.changes ?? []) line(dim(String(c.diff ?? '').replace(/\n$/, '')));
          line(p.item.status === 'completed' ? green('patch applied') : red(`patch ${p.item.status}`));
        } else if (p.item.type === 'agentMessage' || p.item.type === 'reasoning') line('');
        streaming = null;
        break;
      case 'turn/plan/updated':
        line(cyan(`plan${p.explanation ? `: ${p.explanation}` : ''}`));
        for (const s of p.plan) line(`  ${s.status === 'completed' ? '[x]' : s.status === 'inProgress' ? '[~]' : '[ ]'} ${s.step}`);
        break;
      case 'error':
        line(red(`error: ${p.error?.message ?? JSON.stringify(p)}${p.willRetry ? ' (retrying)' : ''}`));
        break;
      case 'turn/completed':
        if (turnId === null) early.set(p.turn.id, p);
        if (p.turn.id !== turnId) break;
        line(
          (p.turn.status === 'completed' ? green : red)(`turn ${p.turn.status}`) +
            (p.turn.error ? red(`: ${p.turn.error.message}`) : '') +
            dim(`  — open http://${opts.host}:${opts.port}/t/${threadId}`),
        );
        finish(p.turn.status === 'completed' ? 0 : 1);
        break;
      default:
    }
  };

  const onServerRequest = (msg) => {
    const p = msg.params ?? {};
    if (msg.method === 'item/commandExecution/requestApproval' || msg.method === 'item/fileChange/requestApproval') {
      const what = msg.method.includes('commandExecution') ? `run \`${p.command}\`` : 'apply a patch';
      const decision = opts.decline ? 'decline' : 'accept';
      line(yellow(`approval requested: ${what} — ${opts.decline ? 'declining (--decline)' : 'auto-accepting (pass --decline to refuse)'}`));
      ws.send(JSON.stringify({ id: msg.id, result: { decision } }));
    } else {
      ws.send(JSON.stringify({ id: msg.id, error: { code: -32601, message: `demo-turn does not handle ${msg.method}` } }));
    }
  };

  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.method !== undefined && msg.id !== undefined) return onServerRequest(msg);
    if (msg.method !== undefined) return onNotification(msg.method, msg.params);
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`));
    else p.resolve(msg.result);
  });
  ws.on('close', () => finish(process.exitCode ?? 1));

  const timer = setTimeout(() => {
    line(red(`no turn/completed within ${opts.timeoutMs} ms; giving up`));
    finish(1);
  }, opts.timeoutMs);

  await request('initialize', { clientInfo: { name: 'codex-web-demo-turn', title: 'Codex Web demo-turn', version: '0.1.0' } });
  ws.send(JSON.stringify({ method: 'initialized' }));
  const session = opts.thread ? await request('thread/resume', { threadId: opts.thread }) : await request('thread/start', {});
  threadId = session.thread.id;
  console.log(dim(`thread ${threadId} (cwd ${session.cwd}, approval ${session.approvalPolicy}, provider ${session.modelProvider})`));
  console.log(`${bold('you:')} ${opts.prompt}`);
  const { turn } = await request('turn/start', { threadId, input: [{ type: 'text', text: opts.prompt }] });
  turnId = turn.id;
  if (early.has(turnId)) onNotification('turn/completed', early.get(turnId));

  const code = await done;
  clearTimeout(timer);
  ws.close();
  process.exitCode = code;
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
