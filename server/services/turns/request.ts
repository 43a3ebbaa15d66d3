import { applyPatchToolSpec } from '../../engine/tools/apply-patch';
import { shellCommandToolSpec } from '../../engine/tools/shell';
import { updatePlanToolSpec } from '../../engine/tools/update-plan';
import type { DynamicFunctionToolSpec, DynamicToolSpec } from '../../protocol/thread';
import type { UserInput } from '../../protocol/turn';
import type { ThreadSettings } from '../threads/settings';

export const DEFAULT_INSTRUCTIONS = `You are Codex, a coding agent working in the user's workspace through Codex Web.
Use the shell_command tool to inspect and run things, apply_patch to edit files, and update_plan to share a plan for multi-step work.
Keep answers concise; show the commands and changes that matter.`;

export type ResponseItem = Record<string, unknown>;

/** The user's input as a Responses `message` item. */
export function userMessageItem(input: UserInput[]): ResponseItem {
  const content = input.map((i) =>
    i.type === 'text' ? { type: 'input_text', text: i.text } : i.type === 'image' ? { type: 'input_image', image_url: i.url } : { type: 'input_text', text: `[local image: ${i.path}]` },
  );
  return { type: 'message', role: 'user', content };
}

function functionTool(t: DynamicFunctionToolSpec): ResponseItem {
  return { type: 'function', name: t.name, description: t.description ?? '', parameters: t.inputSchema ?? { type: 'object', properties: {} } };
}

/**
 * thread/start.dynamicTools as Responses tools, the way the reference sends them: a function as a `function`
 * tool; a namespace as one `namespace` tool holding its functions (the model calls them by their own name plus
 * the call's `namespace`), leaving out the ones with `deferLoading`, and the namespace when nothing is left.
 */
export function dynamicToolSpecs(settings: ThreadSettings): ResponseItem[] {
  return (settings.dynamicTools as DynamicToolSpec[]).flatMap((t): ResponseItem[] => {
    if (t.type !== 'namespace') return [functionTool(t)];
    const tools = t.tools.filter((x) => !x.deferLoading).map(functionTool);
    return tools.length > 0 ? [{ type: 'namespace', name: t.name, description: t.description ?? '', tools }] : [];
  });
}

/** The built-in tools the thread's settings leave on (docs/protocol.md#thread-config-overrides). */
export function builtinTools(settings: ThreadSettings): ResponseItem[] {
  const tools = settings.tools ?? { shell: true, updatePlan: true };
  return [...(tools.shell ? [shellCommandToolSpec, applyPatchToolSpec] : []), ...(tools.updatePlan ? [updatePlanToolSpec] : [])];
}

const CALL_OUTPUT: Record<string, string> = { function_call: 'function_call_output', custom_tool_call: 'custom_tool_call_output' };

/**
 * A call committed without its output (turn interrupted between calls, a tool that threw, a crash or
 * restart mid-tool) would make every later request of the thread fail upstream ("No tool output found
 * for function call"). Like codex, such a call is answered with "aborted" right after it.
 */
function ensureCallOutputs(input: ResponseItem[]): void {
  const answered = new Set<string>();
  for (const item of input) if (item.type === 'function_call_output' || item.type === 'custom_tool_call_output') answered.add(String(item.call_id));
  for (let i = input.length - 1; i >= 0; i--) {
    const outputType = CALL_OUTPUT[String(input[i]!.type)];
    const callId = String(input[i]!.call_id);
    if (outputType && !answered.has(callId)) input.splice(i + 1, 0, { type: outputType, call_id: callId, output: 'aborted' });
  }
}

/** Builds the next Responses request of a turn from the thread's rollout (docs/protocol.md#upstream-model-requests). */
export function buildRequest(opts: {
  threadId: string;
  settings: ThreadSettings;
  responseItems: readonly unknown[];
  /** turn/start's outputSchema: the answer must be JSON of this schema (Responses `text.format`). */
  outputSchema?: unknown;
  /** Extra input after the rollout (a compaction's or review's prompt), and no tools at all. */
  trailingInput?: ResponseItem[];
  noTools?: boolean;
  /** Replaces the thread's instructions (a review). */
  instructions?: string | null;
  /** Leaves out the thread's developer instructions (a review's own conversation). */
  ownConversation?: boolean;
}) {
  const { settings } = opts;
  const input: ResponseItem[] = [];
  if (settings.developerInstructions && !opts.ownConversation) {
    input.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: settings.developerInstructions }] });
  }
  for (const item of opts.responseItems) input.push(item as ResponseItem);
  ensureCallOutputs(input);
  input.push(...(opts.trailingInput ?? []));
  const body: ResponseItem = {
    model: settings.model,
    instructions: opts.instructions ?? settings.baseInstructions ?? DEFAULT_INSTRUCTIONS,
    input,
    tools: opts.noTools ? [] : builtinTools(settings).concat(dynamicToolSpecs(settings)),
    tool_choice: 'auto',
    parallel_tool_calls: false,
    stream: true,
    store: false,
    prompt_cache_key: opts.threadId,
  };
  if (opts.outputSchema !== undefined && opts.outputSchema !== null) {
    // As codex sends a turn's output schema.
    body.text = { format: { type: 'json_schema', strict: true, schema: opts.outputSchema, name: 'codex_output_schema' } };
  }
  if (settings.reasoningEffort) {
    body.reasoning = { effort: settings.reasoningEffort, summary: 'auto' };
    body.include = ['reasoning.encrypted_content'];
  }
  return body;
}
