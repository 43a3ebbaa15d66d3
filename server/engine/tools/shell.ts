// The `shell_command` tool: `bash -c <command>` (no login profile, so the output is exactly the command's)
// through the sandbox, producing what a `commandExecution` item and the function_call_output need.
import { statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { SandboxPolicy } from '../../protocol/common';
import { DEFAULT_OUTPUT_CAP, type OutputStream } from '../exec/output-cap';
import { runCommand } from '../exec/run-command';
import { parseToolArgs, type ParsedArgs } from './tool-args';
import { redactSecrets, StreamRedactor } from '../../util/redact';
import { buildSandboxedCommand, NO_HARDENING, policyNetworkAccess, SandboxUnavailableError, type SandboxHardening } from '../exec/sandbox';
import { shellEnv } from '../exec/shell-env';

export const SHELL_COMMAND_TOOL_NAME = 'shell_command';
/** Like codex: a command without timeout_ms gets 10 s. */
export const DEFAULT_SHELL_TIMEOUT_MS = 10_000;
/** setTimeout's ceiling (~24.8 days); larger requests are clamped. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Exit code reported for a timed-out command (codex and coreutils `timeout` use 124). */
export const TIMEOUT_EXIT_CODE = 124;
/** What the model sees of the output: the head and tail of longer output, around a marker. */
export const DEFAULT_MODEL_OUTPUT_BYTES = 32 * 1024;

export const shellCommandArgs = z.object({
  command: z.string().min(1, 'command must be a non-empty shell command line'),
  workdir: z.string().nullish(),
  timeout_ms: z.number().positive().nullish(),
  /** `require_escalated` asks to run outside the sandbox (with the user's approval, under `on-request`). */
  sandbox_permissions: z.enum(['use_default', 'require_escalated']).nullish(),
  /** Shown to the user as the approval's reason when escalating. */
  justification: z.string().max(10_000).nullish(),
  /** The reusable prefix the model proposes for "don't ask again"; only with `require_escalated`. */
  prefix_rule: z.array(z.string()).max(64).nullish(),
});
export type ShellCommandArgs = z.infer<typeof shellCommandArgs>;

export const shellCommandToolSpec = {
  type: 'function',
  name: SHELL_COMMAND_TOOL_NAME,
  description:
    'Runs a shell command with `bash -c` and returns its exit code and combined stdout/stderr. ' +
    'The command runs inside the thread sandbox: depending on the policy the filesystem may be read-only ' +
    'outside the workspace and the network unavailable. Always set `workdir` instead of using `cd`. ' +
    'If a command needs to run outside the sandbox, set `sandbox_permissions` to `require_escalated` with a `justification`; ' +
    'the user is asked first when the approval policy allows it.',
  strict: false,
  parameters: {
    type: 'object',
    properties: {
      command: { type: 'string', description: 'The shell script to execute with `bash -c`.' },
      workdir: { type: 'string', description: 'The working directory to execute the command in; defaults to the turn cwd.' },
      timeout_ms: { type: 'number', description: 'The timeout for the command in milliseconds (default 10000).' },
      // The approval parameters as codex's shell tools declare them.
      sandbox_permissions: {
        type: 'string',
        description: 'Per-command sandbox override. Defaults to `use_default`; use `require_escalated` for unsandboxed execution.',
        enum: ['use_default', 'require_escalated'],
      },
      justification: { type: 'string', description: 'User-facing approval question for `require_escalated`; omit otherwise.' },
      prefix_rule: {
        type: 'array',
        description: 'Reusable approval prefix for `command`, only with `sandbox_permissions: "require_escalated"`; for example ["git", "pull"].',
        items: { type: 'string' },
      },
    },
    required: ['command'],
    additionalProperties: false,
  },
} as const;

/** What `shell_command` runs for a script; its shell-joined form is the item's `command` (docs/protocol.md#server-requests). */
export function shellCommandArgv(script: string): string[] {
  return ['bash', '-c', script];
}

/** Parses a function call's `arguments` JSON; the failure message is meant for the model. */
export function parseShellCommandArgs(argumentsJson: string): ParsedArgs<ShellCommandArgs> {
  return parseToolArgs(shellCommandArgs, argumentsJson);
}

export interface ShellCommandContext {
  /** The turn's cwd (absolute): default workdir and, under workspaceWrite, a writable root. */
  cwd: string;
  policy: SandboxPolicy;
  signal?: AbortSignal;
  onOutput?: (chunk: Buffer, stream: OutputStream) => void;
  /** Base environment before secret filtering; default process.env. */
  env?: NodeJS.ProcessEnv;
  writableRoots?: readonly string[];
  bwrapPath?: string | null;
  outputCap?: number;
  defaultTimeoutMs?: number;
  modelOutputBytes?: number;
  /** Hidden paths, seccomp, environment policy and secrets to redact; none when omitted (unit tests). */
  hardening?: SandboxHardening;
}

export interface ShellCommandResult {
  /** For the commandExecution item. */
  command: string;
  cwd: string;
  aggregatedOutput: string;
  exitCode: number | null;
  durationMs: number;
  status: 'completed' | 'failed';
  /** The function_call_output text for the model. */
  output: string;
  timedOut: boolean;
  aborted: boolean;
  truncated: boolean;
  /** Set when the sandbox could not be set up (maps to codexErrorInfo sandboxError). */
  sandboxError: SandboxUnavailableError | null;
}

/** Keeps the head and tail of output longer than `limit` bytes for the model. */
export function truncateForModel(text: string, limit: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= limit) return text;
  const half = Math.floor(limit / 2);
  const head = bytes.subarray(0, half).toString('utf8');
  const tail = bytes.subarray(bytes.length - half).toString('utf8');
  return `${head}\n…${bytes.length - 2 * half} bytes truncated…\n${tail}`;
}

/** Codex's function_call_output layout for exec tools. */
export function formatShellOutput(r: { exitCode: number | null; durationMs: number; output: string; totalLines?: number }): string {
  const lines = [`Exit code: ${r.exitCode ?? 'none'}`, `Wall time: ${(r.durationMs / 1000).toFixed(1)} seconds`];
  if (r.totalLines !== undefined) lines.push(`Total output lines: ${r.totalLines}`);
  lines.push('Output:', r.output);
  return lines.join('\n');
}

function failure(command: string, cwd: string, message: string, sandboxError: SandboxUnavailableError | null = null): ShellCommandResult {
  return {
    command,
    cwd,
    aggregatedOutput: message,
    exitCode: null,
    durationMs: 0,
    status: 'failed',
    output: message,
    timedOut: false,
    aborted: false,
    truncated: false,
    sandboxError,
  };
}

export async function runShellCommand(args: ShellCommandArgs, ctx: ShellCommandContext): Promise<ShellCommandResult> {
  const cwd = args.workdir ? path.resolve(ctx.cwd, args.workdir) : ctx.cwd;
  let isDir = false;
  try {
    isDir = statSync(cwd).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) return failure(args.command, cwd, `workdir ${cwd} does not exist or is not a directory`);

  const hardening = ctx.hardening ?? NO_HARDENING;
  const env = shellEnv(ctx.env ?? process.env, !policyNetworkAccess(ctx.policy), hardening.envPolicy, hardening.secrets());
  const built = buildSandboxedCommand({
    hardening,
    policy: ctx.policy,
    cwd,
    sandboxCwd: ctx.cwd,
    argv: shellCommandArgv(args.command),
    writableRoots: ctx.writableRoots,
    env,
    bwrapPath: ctx.bwrapPath,
  });
  if (built instanceof SandboxUnavailableError) return failure(args.command, cwd, built.message, built);

  const timeoutMs = Math.min(Math.ceil(args.timeout_ms ?? ctx.defaultTimeoutMs ?? DEFAULT_SHELL_TIMEOUT_MS), MAX_TIMEOUT_MS);
  const secrets = hardening.secrets();
  const redactor = new StreamRedactor(secrets);
  const decoder = new StringDecoder('utf8');
  const onOutput = ctx.onOutput;
  const emit = (text: string, stream: OutputStream) => {
    if (text.length > 0) onOutput?.(Buffer.from(text, 'utf8'), stream);
  };
  let run;
  try {
    run = await runCommand({
      argv: [built.file, ...built.args],
      cwd,
      env,
      timeoutMs,
      outputCap: ctx.outputCap ?? DEFAULT_OUTPUT_CAP,
      signal: ctx.signal,
      onOutput: onOutput && ((chunk, stream) => emit(redactor.push(decoder.write(chunk)), stream)),
    });
  } catch (e) {
    return failure(args.command, cwd, `failed to start command: ${(e as Error).message}`);
  }
  emit(redactor.push(decoder.end()) + redactor.flush(), 'stdout');
  run = { ...run, aggregatedOutput: redactSecrets(run.aggregatedOutput, secrets) };

  const exitCode = run.timedOut ? TIMEOUT_EXIT_CODE : (run.exitCode ?? (run.signal ? 128 + (osConstants.signals[run.signal] ?? 0) : null));
  let modelOutput = truncateForModel(run.aggregatedOutput, ctx.modelOutputBytes ?? DEFAULT_MODEL_OUTPUT_BYTES);
  const cut = run.truncated || modelOutput !== run.aggregatedOutput;
  if (run.timedOut) modelOutput = `command timed out after ${timeoutMs} milliseconds\n${modelOutput}`;
  if (run.aborted) modelOutput = `command aborted by user\n${modelOutput}`;
  const output = formatShellOutput({
    exitCode,
    durationMs: run.durationMs,
    output: modelOutput,
    totalLines: cut ? run.aggregatedOutput.split('\n').length : undefined,
  });
  return {
    command: args.command,
    cwd,
    aggregatedOutput: run.aggregatedOutput,
    exitCode,
    durationMs: run.durationMs,
    status: exitCode === 0 ? 'completed' : 'failed',
    output,
    timedOut: run.timedOut,
    aborted: run.aborted,
    truncated: run.truncated,
    sandboxError: null,
  };
}
