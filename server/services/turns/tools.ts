import { z } from 'zod';
import { APPLY_PATCH_TOOL_NAME, ApplyPatchError, commitPatch, parseApplyPatchArgs, planPatch } from '../../engine/tools/apply-patch';
import { evaluateExec, shellJoin } from '../../engine/tools/exec-policy';
import { parseShellCommandArgs, runShellCommand, SHELL_COMMAND_TOOL_NAME, shellCommandArgv } from '../../engine/tools/shell';
import { parseUpdatePlanArgs, toTurnPlanUpdate, UPDATE_PLAN_OUTPUT, UPDATE_PLAN_TOOL_NAME } from '../../engine/tools/update-plan';
import type { SandboxHardening } from '../../engine/exec/sandbox';
import type { AskForApproval } from '../../protocol/common';
import type { DynamicToolSpec } from '../../protocol/thread';
import { commandApprovalDecision, type CommandExecutionRequestApprovalParams, type FileChangeRequestApprovalParams } from '../../protocol/approvals';
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
  /** Ends the running turn as turn/interrupt does. */
  interruptTurn: () => void;
}

export interface ToolCall {
  call_id: string;
  name: string;
  arguments: string;
  /** The Responses function_call's `namespace`: set when the model calls a function of a namespace tool. */
  namespace?: string | null;
}

function patchNeedsApproval(policy: AskForApproval): boolean {
  if (policy === 'untrusted') return true;
  if (typeof policy === 'object') return policy.granular.sandbox_approval;
  return false;
}

async function askPatchApproval(ctx: ToolContext, params: FileChangeRequestApprovalParams): Promise<ApprovalDecision> {
  const { approvals, active } = ctx;
  const { thread, turn } = active;
  // Interrupted while the item was being recorded: cancelTurn already ran, so a request made now would wait forever.
  if (active.abort.signal.aborted) return 'cancel';
  const { decision } = approvals.ask(thread, turn.id, 'item/fileChange/requestApproval', params);
  thread.setStatus({ type: 'active', activeFlags: ['waitingOnApproval'] });
  const d = await decision;
  thread.setStatus({ type: 'active', activeFlags: [] });
  return d;
}

/** A command approval's answer: one of the plain decisions, or the proposed amendment granted. */
type CommandDecision = { kind: ApprovalDecision } | { kind: 'amendment'; prefix: string[] };

const commandApprovalAnswer = z.object({ decision: commandApprovalDecision });

/**
 * Parses a client's answer to a command approval. An amendment counts only if it is exactly the one proposed;
 * anything else (another prefix, or one when none was proposed) is not a valid answer and the request keeps waiting.
 * A network amendment has no meaning for us (no managed network) and counts as `accept`.
 */
function parseCommandDecision(raw: unknown, proposed: string[] | null): CommandDecision | null {
  const parsed = commandApprovalAnswer.safeParse(raw);
  if (!parsed.success) return null;
  const d = parsed.data.decision;
  if (typeof d === 'string') return { kind: d };
  if ('applyNetworkPolicyAmendment' in d) return { kind: 'accept' };
  const prefix = d.acceptWithExecpolicyAmendment.execpolicy_amendment;
  if (!proposed || prefix.length !== proposed.length || prefix.some((w, i) => w !== proposed[i])) return null;
  return { kind: 'amendment', prefix };
}

/** Codex's tool output for a command the user rejected. */
export const COMMAND_REJECTED_OUTPUT = 'exec command rejected by user';

async function askCommandApproval(ctx: ToolContext, params: CommandExecutionRequestApprovalParams): Promise<CommandDecision> {
  const { approvals, active } = ctx;
  const { thread, turn } = active;
  if (active.abort.signal.aborted) return { kind: 'cancel' };
  const proposed = params.proposedExecpolicyAmendment;
  const { result } = approvals.request(thread, turn.id, 'item/commandExecution/requestApproval', params, (raw) => parseCommandDecision(raw, proposed), {
    kind: 'cancel',
  } as CommandDecision);
  thread.setStatus({ type: 'active', activeFlags: ['waitingOnApproval'] });
  const decision = await result;
  thread.setStatus({ type: 'active', activeFlags: [] });
  return decision;
}

async function runShell(call: ToolCall, ctx: ToolContext): Promise<string> {
  const parsed = parseShellCommandArgs(call.arguments);
  if (!parsed.ok) return `failed to parse function arguments: ${parsed.message}`;
  const { thread, turn, sandbox } = ctx.active;
  const args = parsed.args;
  const script = args.command;
  const requirement = evaluateExec({
    script,
    policy: thread.settings.approvalPolicy,
    sandbox,
    sandboxPermissions: args.sandbox_permissions ?? 'use_default',
    prefixRule: args.prefix_rule,
    allowedPrefixes: thread.allowedCommandPrefixes(),
  });
  // Refused before anything starts, as codex does (no item).
  if (requirement.kind === 'reject') return requirement.message;

  const cwd = args.workdir ? ctx.threads.resolvePath(thread, args.workdir) : thread.settings.cwd;
  const command = shellJoin(shellCommandArgv(script));
  const base: Omit<CommandExecutionItem, 'status' | 'aggregatedOutput' | 'exitCode' | 'durationMs'> = {
    type: 'commandExecution',
    id: call.call_id,
    command,
    cwd,
    processId: null,
    source: 'agent',
    commandActions: [{ type: 'unknown', command: script }],
  };
  const item: CommandExecutionItem = { ...base, status: 'inProgress', aggregatedOutput: null, exitCode: null, durationMs: null };
  const startedAtMs = Date.now();
  await ctx.active.startItem(item, startedAtMs);

  const sessionKey = `${requirement.kind === 'run' || !requirement.escalated ? 'sandboxed' : 'escalated'}\u0000${script}`;
  if (requirement.kind === 'ask' && !thread.isApprovedForSession(sessionKey)) {
    const proposed = requirement.proposedAmendment;
    const decision = await askCommandApproval(ctx, {
      threadId: thread.id,
      turnId: turn.id,
      itemId: call.call_id,
      startedAtMs,
      kind: 'command',
      environmentId: null,
      reason: requirement.escalated ? (args.justification ?? null) : null,
      command,
      cwd,
      commandActions: base.commandActions,
      proposedExecpolicyAmendment: proposed,
      availableDecisions: ['accept', ...(proposed ? [{ acceptWithExecpolicyAmendment: { execpolicy_amendment: proposed } }] : []), 'cancel'],
    });
    if (decision.kind === 'acceptForSession') thread.approveForSession(sessionKey);
    if (decision.kind === 'amendment') thread.allowCommandPrefix(decision.prefix, requirement.escalated);
    if (decision.kind === 'decline' || decision.kind === 'cancel') {
      await ctx.active.completeItem({ ...base, status: 'declined', aggregatedOutput: null, exitCode: null, durationMs: null });
      // Like codex: `cancel` also ends the turn (the user wants to say something else).
      if (decision.kind === 'cancel') ctx.interruptTurn();
      return COMMAND_REJECTED_OUTPUT;
    }
  }

  let live = '';
  const result = await runShellCommand(args, {
    cwd: thread.settings.cwd,
    // Escalated and approved (now or by a granted prefix): outside the sandbox, as codex runs it.
    policy: requirement.escalated ? { type: 'dangerFullAccess' } : sandbox,
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
  const startedAtMs = Date.now();
  await ctx.active.startItem({ ...item, status: 'inProgress' }, startedAtMs);
  if (patchNeedsApproval(thread.settings.approvalPolicy)) {
    const decision = await askPatchApproval(ctx, { threadId: thread.id, turnId: turn.id, itemId: call.call_id, startedAtMs, reason: null, grantRoot: null });
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
