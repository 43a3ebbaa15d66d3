// The built-in `openai` provider's models for model/list: the reference 0.169's default presets (ids, names,
// descriptions, which are hidden, default efforts), with the reasoning efforts limited to the ones our
// turn/start accepts (docs/protocol.md#methods).
import type { ReasoningEffortOption } from '../protocol/catalog';

export interface ModelPreset {
  id: string;
  displayName: string;
  description: string;
  hidden: boolean;
  defaultReasoningEffort: 'low' | 'medium';
  modelSpecialty: string | null;
}

const EFFORT_DESCRIPTIONS: Record<string, string> = {
  low: 'Fast responses with lighter reasoning',
  medium: 'Balances speed and reasoning depth for everyday tasks',
  high: 'Greater reasoning depth for complex problems',
  xhigh: 'Extra high reasoning depth for complex problems',
};

/** The efforts every listed model offers: the reference's, less `max` and `ultra`, which we do not accept. */
export const SUPPORTED_REASONING_EFFORTS: ReasoningEffortOption[] = Object.entries(EFFORT_DESCRIPTIONS).map(([reasoningEffort, description]) => ({
  reasoningEffort,
  description,
}));

export const OPENAI_MODEL_PRESETS: readonly ModelPreset[] = [
  { id: 'gpt-6.1-sol', displayName: 'GPT-6.1-Sol', description: 'Latest workhorse model for coding and everyday work.', hidden: false, defaultReasoningEffort: 'low', modelSpecialty: null },
  { id: 'gpt-6-astra', displayName: 'GPT-6-Astra', description: 'Frontier intelligence for the most demanding work.', hidden: false, defaultReasoningEffort: 'low', modelSpecialty: null },
  { id: 'gpt-6-sol', displayName: 'GPT-6-Sol', description: 'Previous generation workhorse model.', hidden: false, defaultReasoningEffort: 'medium', modelSpecialty: null },
  { id: 'gpt-6-luna', displayName: 'GPT-6-Luna', description: 'Fast and affordable model for easier tasks.', hidden: false, defaultReasoningEffort: 'medium', modelSpecialty: null },
  { id: 'gpt-5.6-sol', displayName: 'GPT-5.6-Sol', description: 'Older generation workhorse model.', hidden: false, defaultReasoningEffort: 'low', modelSpecialty: null },
  { id: 'gpt-6.1-terra', displayName: 'GPT-6.1 Terra', description: 'GPT-6.1 Terra Codex model.', hidden: false, defaultReasoningEffort: 'low', modelSpecialty: null },
  { id: 'gpt-5.6-terra', displayName: 'GPT-5.6-Terra', description: 'Older balanced model for straightforward work.', hidden: false, defaultReasoningEffort: 'medium', modelSpecialty: null },
  { id: 'gpt-5.6-luna', displayName: 'GPT-5.6-Luna', description: 'Older fast and efficient model.', hidden: false, defaultReasoningEffort: 'medium', modelSpecialty: null },
  {
    id: 'gpt-daybreak-blue-latest',
    displayName: 'Daybreak Blue',
    description: 'Latest frontier agentic coding model for broad defensive cybersecurity work.',
    hidden: true,
    defaultReasoningEffort: 'low',
    modelSpecialty: 'cyber',
  },
  {
    id: 'gpt-daybreak-red-latest',
    displayName: 'Daybreak Red',
    description: 'Cyber-permissive variant of our latest frontier agentic coding model for advanced, authorized cybersecurity research.',
    hidden: true,
    defaultReasoningEffort: 'medium',
    modelSpecialty: 'cyber',
  },
  { id: 'gpt-5.5', displayName: 'GPT-5.5', description: 'Legacy coding model.', hidden: false, defaultReasoningEffort: 'medium', modelSpecialty: null },
  { id: 'codex-auto-review', displayName: 'Codex Auto Review', description: 'Automatic approval review model for Codex.', hidden: true, defaultReasoningEffort: 'medium', modelSpecialty: null },
];
