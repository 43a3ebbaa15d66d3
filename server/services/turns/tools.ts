import { z } from 'zod';
import { APPLY_PATCH_TOOL_NAME, ApplyPatchError, commitPatch, parseApplyPatchArgs, planPatch } from '../../engine/tools/apply-patch';
import { parseShellCommandArgs, runShellCommand, SHELL_COMMAND_TOOL_NAME } from '../../engine/tools/shell';
import { parseUpdatePlanArgs, toTurnPlanUpdate, UPDATE_PLAN_OUTPUT, UPDATE_PLAN_TOOL_NAME } from '../../engine/tools/update-plan';
import type { SandboxHardening } from '../../engine/exec/sandbox';
import type { AskForApproval } from '../../protocol/common';
import type { DynamicToolSpec } from '../../protocol/thread';
import type { ApprovalDecision } from '../../protocol/turn-params';
import { dynamicToolCallOutputContentItem, type CommandExecutionItem, type DynamicToolCallItem, type FileChangeItem } from '../../protocol/turn';
import type { ThreadService } from '../threads/api';
import type { ApprovalBroker } from './approvals';
import type { ActiveTurn } from './active-turn';

export interface ToolContext {
  threads: ThreadService;
  hardening: SandboxHardening;
  approvals: ApprovalBroker;
  active: ActiveTurn;
}

export interface ToolCall {
  call_id: string;
  name: string;
  arguments: string;
  /** The Responses function_call's `namespace`: set when the model calls a function of a namespace tool. */
  namespace?: string | null;
}

/** Read-only commands `untrusted` lets through without asking (first word of the command line). */
const KNOWN_SAFE = new Set(['ls', 'cat', 'pwd', 'echo', 'printf', 'head', 'tail', 'wc', 'grep', 'rg', 'find', 'true', 'false', 'which', 'stat', 'file', 'nl', 'sort', 'uniq', 'cut', 'tr', 'date']);
const SHELL_META = /[;&|><`$()]/;

function isKnownSafe(command: string): boolean {
  if (SHELL_META.test(command)) return false;
  const first = command.trim().split(/\s+/)[0] ?? '';
  return KNOWN_SAFE.has(first);
}

/**
 * When a command needs a person's approval. `untrusted` asks for anything not known to be read-only;
 * `on-request` and `never` run inside the sandbox without asking (the sandbox is the guard); a
 * granular policy asks when its `sandbox_approval` flag is set.
 */
export function commandNeedsApproval(policy: AskForApproval, command: string): boolean {
  if (policy === 'untrusted') return !isKnownSafe(command);
  if (typeof policy === 'object') return policy.granular.sandbox_approval;
  return false;
}

function patchNeedsApproval(policy: AskForApproval): boolean {
  if (policy === 'untrusted') return true;
  if (typeof policy === 'object') return policy.granular.sandbox_approval;
  return false;
}

async function withApproval(ctx: ToolContext, method: string, params: Record<string, unknown>): Promise<ApprovalDecision> {
  const { approvals, active } = ctx;
  const { thread, turn } = active;
  // Interrupted while the item was being recorded: cancelTurn already ran, so a request made now would wait forever.
  if (active.abort.signal.aborted) return 'cancel';
  const { decision } = approvals.ask(thread, turn.id, method, { threadId: thread.id, turnId: turn.id, startedAtMs: Date.now(), ...params });
  thread.setStatus({ type: 'active', activeFlags: ['waitingOnApproval'] });
  const d = await decision;
  thread.setStatus({ type: 'active', activeFlags: [] });
  return d;
}

async function runShell(call: ToolCall, ctx: ToolContext): Promise<string> {
  const parsed = parseShellCommandArgs(call.arguments);
  if (!parsed.ok) return `failed to parse function arguments: ${parsed.message}`;
  const { thread, turn, sandbox } = ctx.active;
  const cwd = parsed.args.workdir ? ctx.threads.resolvePath(thread, parsed.args.workdir) : thread.settings.cwd;
  const command = parsed.args.command;
  const base: Omit<CommandExecutionItem, 'status' | 'aggregatedOutput' | 'exitCode' | 'durationMs'> = {
    type: 'commandExecution',
    id: call.call_id,
    command,
    cwd,
    processId: null,
    commandActions: [{ type: 'unknown', command }],
  };
  const item: CommandExecutionItem = { ...base, status: 'inProgress', aggregatedOutput: null, exitCode: null, durationMs: null };
  await ctx.active.startItem(item);

  if (commandNeedsApproval(thread.settings.approvalPolicy, command) && !thread.isApprovedForSession(command)) {
    const decision = await withApproval(ctx, 'item/commandExecution/requestApproval', {
      itemId: call.call_id,
      command,
      cwd,
      reason: null,
      commandActions: base.commandActions,
    });
    if (decision === 'acceptForSession') thread.approveForSession(command);
    if (decision === 'decline' || decision === 'cancel') {
      await ctx.active.completeItem({ ...base, status: 'declined', aggregatedOutput: null, exitCode: null, durationMs: null });
      return decision === 'decline' ? 'The user declined to run this command. Do not retry it; ask or take another approach.' : 'The command was cancelled.';
    }
  }

  let live = '';
  const result = await runShellCommand(parsed.args, {
    cwd: thread.settings.cwd,
    policy: sandbox,
    hardening: ctx.hardening,
    signal: ctx.active.abort.signal,
    onOutput: (chunk) => {
      const delta = chunk.toString('utf8');
      live += delta;
      thread.setLiveItem({ ...item, aggregatedOutput: live });
      thread.emit({ method: 'item/commandExecution/outputDelta', params: { threadId: thread.id, turnId: turn.id, itemId: call.call_id, delta } });
    },
  });
  await ctx.active.completeItem({
    ...base,
    cwd: result.cwd,
    status: result.status,
    aggregatedOutput: result.aggregatedOutput,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
  });
  return result.output;
}

async function runApplyPatch(call: ToolCall, ctx: ToolContext): Promise<string> {
  const parsed = parseApplyPatchArgs(call.arguments);
  if (!parsed.ok) return `failed to parse function arguments: ${parsed.message}`;
  const { thread, turn, sandbox, diff } = ctx.active;
  const patchCtx = { cwd: thread.settings.cwd, policy: sandbox, hiddenPaths: ctx.hardening.hiddenPaths };
  let plan;
  try {
    plan = await planPatch(parsed.args.input, patchCtx);
  } catch (err) {
    if (err instanceof ApplyPatchError) return `apply_patch verification failed: ${err.message}`;
    throw err;
  }
  const item: Omit<FileChangeItem, 'status'> = { type: 'fileChange', id: call.call_id, changes: plan.changes };
  await ctx.active.startItem({ ...item, status: 'inProgress' });
  if (patchNeedsApproval(thread.settings.approvalPolicy)) {
    const decision = await withApproval(ctx, 'item/fileChange/requestApproval', { itemId: call.call_id, reason: null, grantRoot: null });
    if (decision === 'decline' || decision === 'cancel') {
      await ctx.active.completeItem({ ...item, status: 'declined' });
      return 'The user declined this patch. Do not retry it; ask or take another approach.';
    }
  }
  try {
    const result = await commitPatch(plan, diff);
    await ctx.active.completeItem({ ...item, changes: result.changes, status: 'completed' });
    thread.emit({ method: 'turn/diff/updated', params: { threadId: thread.id, turnId: turn.id, diff: await diff.diff() } });
    return result.output;
  } catch (err) {
    if (!(err instanceof ApplyPatchError)) throw err;
    await ctx.active.completeItem({ ...item, status: 'failed' });
    return `apply_patch failed: ${err.message}`;
  }
}

const dynamicToolAnswer = z.object({ contentItems: z.array(dynamicToolCallOutputContentItem), success: z.boolean() });
type DynamicToolAnswer = z.infer<typeof dynamicToolAnswer>;

/** A tool from thread/start.dynamicTools: the client runs it (`item/tool/call`) and answers. */
async function runDynamicTool(call: ToolCall, ctx: ToolContext, namespace: string | null): Promise<string> {
  const { thread, turn } = ctx.active;
  let args: DynamicToolCallItem['arguments'];
  try {
    args = JSON.parse(call.arguments || '{}') as DynamicToolCallItem['arguments'];
  } catch {
    return `failed to parse function arguments: not JSON`;
  }
  const base: Pick<DynamicToolCallItem, 'type' | 'id' | 'namespace' | 'tool' | 'arguments'> = {
    type: 'dynamicToolCall',
    id: call.call_id,
    namespace,
    tool: call.name,
    arguments: args,
  };
  await ctx.active.startItem({ ...base, status: 'inProgress', contentItems: null, success: null, durationMs: null });
  const started = Date.now();
  const cancelled: DynamicToolAnswer = { contentItems: [{ type: 'inputText', text: 'The tool call was cancelled.' }], success: false };
  const { result } = ctx.active.abort.signal.aborted ? { result: Promise.resolve(cancelled) } : ctx.approvals.request(
    thread,
    turn.id,
    'item/tool/call',
    { threadId: thread.id, turnId: turn.id, callId: call.call_id, namespace, tool: call.name, arguments: args },
    (raw) => {
      const parsed = dynamicToolAnswer.safeParse(raw);
      return parsed.success ? parsed.data : null;
    },
    cancelled,
  );
  const answer = await result;
  await ctx.active.completeItem({ ...base, status: answer.success ? 'completed' : 'failed', contentItems: answer.contentItems, success: answer.success, durationMs: Date.now() - started });
  return answer.contentItems.map((c) => (c.type === 'inputText' ? c.text : c.type === 'inputImage' ? `[image ${c.imageUrl}]` : `[audio ${c.audioUrl}]`)).join('\n');
}

/** Runs one function call and returns the `function_call_output` text for the model. */
export async function runToolCall(call: ToolCall, ctx: ToolContext): Promise<string> {
  const dynamicTools = ctx.active.thread.settings.dynamicTools as DynamicToolSpec[];
  if (call.namespace) {
    // A function of a namespace tool, deferred ones included: the client answers it (item/tool/call names both).
    const ns = dynamicTools.find((t) => t.type === 'namespace' && t.name === call.namespace);
    if (ns?.type === 'namespace' && ns.tools.some((t) => t.name === call.name)) return runDynamicTool(call, ctx, ns.name);
    return `unsupported call: ${call.namespace}.${call.name}`;
  }
  const offered = ctx.active.thread.settings.tools ?? { shell: true, updatePlan: true };
  const builtinOff = (call.name === SHELL_COMMAND_TOOL_NAME || call.name === APPLY_PATCH_TOOL_NAME) ? !offered.shell : call.name === UPDATE_PLAN_TOOL_NAME && !offered.updatePlan;
  if (builtinOff) return `unsupported call: ${call.name}`;
  switch (call.name) {
    case SHELL_COMMAND_TOOL_NAME:
      return runShell(call, ctx);
    case APPLY_PATCH_TOOL_NAME:
      return runApplyPatch(call, ctx);
    case UPDATE_PLAN_TOOL_NAME: {
      const parsed = parseUpdatePlanArgs(call.arguments);
      if (!parsed.ok) return `failed to parse function arguments: ${parsed.message}`;
      const { thread, turn } = ctx.active;
      const update = toTurnPlanUpdate(parsed.args);
      thread.emit({ method: 'turn/plan/updated', params: { threadId: thread.id, turnId: turn.id, ...update } });
      return UPDATE_PLAN_OUTPUT;
    }
    default:
      if (dynamicTools.some((t) => t.type !== 'namespace' && t.name === call.name)) return runDynamicTool(call, ctx, null);
      return `unsupported call: ${call.name}`;
  }
}
