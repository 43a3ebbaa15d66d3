/**
 * The offline demo's model: a scripted, stateless Responses API on 127.0.0.1 (the same mock server the
 * integration tests use, testkit/mock-responses-server.ts). Every request is answered from the
 * request alone — its last user message picks a scenario, and the tool outputs after that message say how
 * far the scenario got — so it never runs out of replies and any number of threads can use it at once.
 *
 *   npx tsx scripts/mock-provider.ts [--port 8787] [--delay-ms 25]
 *   # config.toml: model_provider = "mock_provider"; [model_providers.mock_provider] base_url = "<printed url>"
 *
 * Scenarios (keywords in the user's message, case-insensitive):
 *   "patch" / "edit"   → apply_patch creating codex-web-demo.txt, then an answer
 *   "plan"             → update_plan, then an answer
 *   "run" / "command"  → shell_command `ls -la && git status --short || true`, then an answer quoting its output
 *   anything else      → a reasoning summary and a streamed Markdown answer
 */
import { pathToFileURL } from 'node:url';
import { startMockResponsesServer, type MockResponsesServer, type RecordedRequest } from '../testkit/mock-responses-server';
import { out, sse, type SseReply } from '../testkit/responses-sse';

export const DEMO_SHELL_COMMAND = 'ls -la && git status --short || true';
export const DEMO_FILE = 'codex-web-demo.txt';
export const DEMO_PROMPTS = [
  'Explain what this workspace is for',
  'Run a command to show me the files here',
  'Edit the project: add a demo file with a patch',
  'Make a plan for adding a dark mode',
];

type InputItem = { type?: string; role?: string; content?: unknown; output?: unknown; name?: string; call_id?: string };

function textOf(item: InputItem): string {
  if (typeof item.content === 'string') return item.content;
  if (!Array.isArray(item.content)) return '';
  return (item.content as { text?: unknown }[]).map((c) => (typeof c.text === 'string' ? c.text : '')).join('');
}

/** The text of the last real user message (not injected context such as `<environment_context>`) and what followed it. */
export function lastUserTurn(req: RecordedRequest): { text: string; after: InputItem[] } {
  const input = (Array.isArray(req.body?.input) ? req.body.input : []) as InputItem[];
  for (let i = input.length - 1; i >= 0; i -= 1) {
    const item = input[i]!;
    if (item.type === 'message' && item.role === 'user') {
      const text = textOf(item).trim();
      if (text.startsWith('<')) continue;
      return { text, after: input.slice(i + 1) };
    }
  }
  return { text: '', after: [] };
}

export type Scenario = 'patch' | 'plan' | 'shell' | 'chat';

export function scenarioFor(text: string): Scenario {
  if (/\b(patch\w*|edit\w*)\b/i.test(text)) return 'patch';
  if (/\bplan\w*\b/i.test(text)) return 'plan';
  if (/\b(run\w*|commands?)\b/i.test(text)) return 'shell';
  return 'chat';
}

function outputText(item: InputItem | undefined): string {
  if (!item) return '';
  if (typeof item.output === 'string') return item.output;
  return JSON.stringify(item.output ?? '');
}

const fence = (text: string, lines = 12): string => {
  const all = text.replace(/\s+$/, '').split('\n');
  const shown = all.slice(0, lines).join('\n');
  return '```\n' + shown + (all.length > lines ? `\n… (${all.length - lines} more lines)` : '') + '\n```';
};

const DECLINED = /declined|rejected|not approved/i;

/** Pieces for a streamed answer: about one per word, so the browser visibly fills in. */
const wordDeltas = (text: string): number => Math.max(1, Math.ceil(text.split(/\s+/).length * 1.5));

function message(text: string, delayMs: number, summary?: string): SseReply {
  const outputs = summary ? [out.reasoning(summary, { deltas: wordDeltas(summary) }), out.message(text, { deltas: wordDeltas(text) })] : [out.message(text, { deltas: wordDeltas(text) })];
  return sse.slow(sse.response(outputs), delayMs);
}

function toolCall(summary: string, call: ReturnType<typeof out.functionCall>, delayMs: number): SseReply {
  return sse.slow(sse.response([out.reasoning(summary, { deltas: wordDeltas(summary) }), call]), delayMs);
}

let callSeq = 0;
const callId = (kind: string): string => `call_demo_${kind}_${Date.now().toString(36)}_${(++callSeq).toString(36)}`;

/** The scripted conversation: a pure function of the request. */
export function scriptedReply(req: RecordedRequest, delayMs = 25): SseReply {
  const { text, after } = lastUserTurn(req);
  const outputs = after.filter((i) => i.type === 'function_call_output' || i.type === 'custom_tool_call_output');
  const last = outputs.at(-1);
  const scenario = scenarioFor(text);

  if (scenario === 'shell') {
    if (!last) {
      return toolCall(
        'The user wants to see a command run. Listing the workspace and its git status is harmless and shows what is here.',
        out.functionCall('shell_command', { command: DEMO_SHELL_COMMAND, workdir: null, timeout_ms: 10_000 }, callId('shell')),
        delayMs,
      );
    }
    const result = outputText(last);
    const printed = result.includes('Output:\n') ? result.slice(result.indexOf('Output:\n') + 'Output:\n'.length) : result;
    if (DECLINED.test(result) && result.length < 400) {
      return message(`You declined \`${DEMO_SHELL_COMMAND}\`, so I did not run it. Nothing in the workspace was touched.`, delayMs);
    }
    return message(
      `I ran \`${DEMO_SHELL_COMMAND}\` in the workspace. Here is what it printed:\n\n${fence(printed)}\n\n` +
        '**Summary**\n\n- The listing shows the files in the thread\'s working directory.\n' +
        '- `git status --short` lists uncommitted changes (empty output means a clean tree, an error means it is not a git repository).\n\n' +
        '_This answer came from the offline demo\'s scripted mock model._',
      delayMs,
      'The command finished; summarise its output for the user.',
    );
  }

  if (scenario === 'patch') {
    if (!last) {
      const patch = [
        '*** Begin Patch',
        `*** Add File: ${DEMO_FILE}`,
        '+Hello from Codex Web!',
        '+',
        '+This file was created by the offline demo: the scripted mock model asked for an apply_patch,',
        '+the server showed you the diff, asked for approval, and wrote it inside the sandbox.',
        '*** End Patch',
        '',
      ].join('\n');
      return toolCall(
        `The user asked for an edit. I will create ${DEMO_FILE} with apply_patch.`,
        out.functionCall('apply_patch', { input: patch }, callId('patch')),
        delayMs,
      );
    }
    const result = outputText(last);
    if (DECLINED.test(result) && result.length < 400) return message(`You declined the patch, so \`${DEMO_FILE}\` was not created.`, delayMs);
    return message(
      `Done: I created \`${DEMO_FILE}\` in the workspace with \`apply_patch\`.\n\nTool output:\n\n${fence(result, 6)}\n\n` +
        '_This answer came from the offline demo\'s scripted mock model._',
      delayMs,
    );
  }

  if (scenario === 'plan') {
    if (!last) {
      return toolCall(
        'A multi-step request: share a plan first.',
        out.functionCall(
          'update_plan',
          {
            explanation: 'Dark mode in three steps',
            plan: [
              { step: 'Collect the colours into CSS variables', status: 'completed' },
              { step: 'Add a prefers-color-scheme: dark palette', status: 'in_progress' },
              { step: 'Add a toggle and remember the choice', status: 'pending' },
            ],
          },
          callId('plan'),
        ),
        delayMs,
      );
    }
    return message(
      'Here is the plan:\n\n1. ✅ Collect the colours into CSS variables\n2. ⏳ Add a `prefers-color-scheme: dark` palette\n3. ⬜ Add a toggle and remember the choice\n\n' +
        'Step 2 is in progress. _(Scripted by the offline demo\'s mock model.)_',
      delayMs,
    );
  }

  const quoted = text.length > 80 ? `${text.slice(0, 77)}…` : text;
  return message(
    `## Offline demo\n\nYou said: *${quoted || '(nothing)'}*\n\n` +
      'I am the **scripted mock model** of `npm run demo`: no request leaves this machine and no API key is needed. ' +
      'What you are watching is the real Codex Web server streaming a Responses API answer token by token, ' +
      'persisting every item before announcing it.\n\n' +
      'Try one of these next:\n\n' +
      '- *"Run a command"* — a `shell_command` that asks for your approval first\n' +
      '- *"Edit the project with a patch"* — an `apply_patch` with a diff\n' +
      '- *"Make a plan"* — an `update_plan` checklist\n',
    delayMs,
    'The user sent a message without a keyword; answer with an overview of what the demo can show.',
  );
}

export async function startScriptedMockProvider(opts: { port?: number; delayMs?: number } = {}): Promise<MockResponsesServer> {
  const delayMs = opts.delayMs ?? 25;
  return startMockResponsesServer({ port: opts.port ?? 0, fallback: (req) => scriptedReply(req, delayMs) });
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = Number(flag(args, '--port') ?? 0);
  const delayMs = Number(flag(args, '--delay-ms') ?? 25);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${flag(args, '--port')}`);
  const server = await startScriptedMockProvider({ port, delayMs });
  // The first stdout line is the base URL (scripts/demo.mjs reads it).
  console.log(server.url);
  console.error(`mock provider (scripted, offline): POST ${server.url}/responses — ${delayMs} ms between SSE events`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
