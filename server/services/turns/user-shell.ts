// thread/shellCommand (the TUI's `!cmd`, docs/protocol.md#user-shell-commands): the user's own command line, run by
// bash outside the sandbox (the person typed it, as in codex), shown as a commandExecution item, and recorded in the
// thread's model history so the next turn knows what ran and what it printed. Secrets are still redacted from the
// output, and the environment policy still applies: the output goes to the model.
import { shellJoin } from '../../engine/tools/exec-policy';
import { DEFAULT_MODEL_OUTPUT_BYTES, runShellCommand, shellCommandArgv, truncateForModel } from '../../engine/tools/shell';
import type { SandboxHardening } from '../../engine/exec/sandbox';
import type { CommandExecutionItem, TurnError } from '../../protocol/turn';
import { uuidv7 } from '../../util/ids';
import type { ActiveTurn } from './active-turn';

/** Without timeoutMs a user command may run for an hour (the reference's default). */
export const USER_SHELL_DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;

export function userShellRecord(command: string, r: { exitCode: number | null; durationMs: number; output: string }): Record<string, unknown> {
  const text = [
    '<user_shell_command>',
    '<command>',
    command,
    '</command>',
    '<result>',
    `Exit code: ${r.exitCode ?? 'none'}`,
    `Duration: ${(r.durationMs / 1000).toFixed(4)} seconds`,
    'Output:',
    r.output,
    '</result>',
    '</user_shell_command>',
  ].join('\n');
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

export async function runUserShellCommand(
  active: ActiveTurn,
  opts: { command: string; timeoutMs: number | null; hardening: SandboxHardening },
): Promise<TurnError | null> {
  const { thread, turn } = active;
  const base: Omit<CommandExecutionItem, 'status' | 'aggregatedOutput' | 'exitCode' | 'durationMs'> = {
    type: 'commandExecution',
    id: uuidv7(),
    // As the reference shows it: the argv that runs, shell-joined (`bash -c '<command>'`); the command itself is the action.
    command: shellJoin(shellCommandArgv(opts.command)),
    cwd: thread.settings.cwd,
    processId: null,
    source: 'userShell',
    commandActions: [{ type: 'unknown', command: opts.command }],
  };
  const item: CommandExecutionItem = { ...base, status: 'inProgress', aggregatedOutput: null, exitCode: null, durationMs: null };
  await active.startItem(item);
  let live = '';
  const result = await runShellCommand(
    // 0 asks for an immediate timeout (the runner reads 0 as "no timer"): the shortest timer there is.
    { command: opts.command, workdir: null, timeout_ms: opts.timeoutMs === 0 ? 1 : (opts.timeoutMs ?? USER_SHELL_DEFAULT_TIMEOUT_MS) },
    {
      cwd: thread.settings.cwd,
      policy: active.sandbox,
      hardening: opts.hardening,
      signal: active.abort.signal,
      onOutput: (chunk) => {
        const delta = chunk.toString('utf8');
        live += delta;
        thread.setLiveItem({ ...item, aggregatedOutput: live });
        thread.emit({ method: 'item/commandExecution/outputDelta', params: { threadId: thread.id, turnId: turn.id, itemId: item.id, delta } });
      },
    },
  );
  await active.completeItem({ ...base, status: result.status, aggregatedOutput: result.aggregatedOutput, exitCode: result.exitCode, durationMs: result.durationMs });
  const output = truncateForModel(result.aggregatedOutput, DEFAULT_MODEL_OUTPUT_BYTES);
  await thread.record([
    { kind: 'response_item', type: 'message', turnId: turn.id, payload: userShellRecord(opts.command, { exitCode: result.exitCode, durationMs: result.durationMs, output }) },
  ]);
  return null;
}
