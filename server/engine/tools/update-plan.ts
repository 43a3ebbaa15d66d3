// The `update_plan` tool: the model's checklist, surfaced as `turn/plan/updated`.
import { z } from 'zod';
import { parseToolArgs, type ParsedArgs } from './tool-args';

export const UPDATE_PLAN_TOOL_NAME = 'update_plan';

export const planStepStatus = z.enum(['pending', 'in_progress', 'completed']);
export const updatePlanArgs = z.object({
  explanation: z.string().nullish(),
  plan: z.array(z.object({ step: z.string(), status: planStepStatus })),
});
export type UpdatePlanArgs = z.infer<typeof updatePlanArgs>;

export const updatePlanToolSpec = {
  type: 'function',
  name: UPDATE_PLAN_TOOL_NAME,
  description:
    'Updates the task plan.\nProvide an optional explanation and a list of plan items, each with a step and status.\n' +
    'At most one step can be in_progress at a time.',
  strict: false,
  parameters: {
    type: 'object',
    properties: {
      explanation: { type: 'string' },
      plan: {
        type: 'array',
        description: 'The list of steps',
        items: {
          type: 'object',
          properties: {
            step: { type: 'string' },
            status: { type: 'string', description: 'One of: pending, in_progress, completed', enum: ['pending', 'in_progress', 'completed'] },
          },
          required: ['step', 'status'],
          additionalProperties: false,
        },
      },
    },
    required: ['plan'],
    additionalProperties: false,
  },
} as const;

/** `turn/plan/updated` params minus threadId/turnId; the wire spells the status `inProgress`. */
export interface TurnPlanUpdate {
  explanation: string | null;
  plan: Array<{ step: string; status: 'pending' | 'inProgress' | 'completed' }>;
}

export function toTurnPlanUpdate(args: UpdatePlanArgs): TurnPlanUpdate {
  return {
    explanation: args.explanation ?? null,
    plan: args.plan.map(({ step, status }) => ({ step, status: status === 'in_progress' ? 'inProgress' : status })),
  };
}

/** Parses a function call's `arguments` JSON; the failure message is meant for the model. */
export function parseUpdatePlanArgs(argumentsJson: string): ParsedArgs<UpdatePlanArgs> {
  return parseToolArgs(updatePlanArgs, argumentsJson);
}

/** What the model gets back (codex answers "Plan updated"). */
export const UPDATE_PLAN_OUTPUT = 'Plan updated';
