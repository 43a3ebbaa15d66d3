// What a client asks about the server's catalog at startup (docs/protocol.md#methods): models,
// config requirements, skills, hooks, plugins, collaboration modes, the Bedrock GovCloud check, file search.
import { z } from 'zod';
import { opt } from './common';

const uint = z.number().int().min(0);

export const modelListParams = z.object({
  cursor: opt(z.string()),
  limit: opt(uint),
  includeHidden: opt(z.boolean()),
  modelProvider: opt(z.string()),
});
export type ModelListParams = z.infer<typeof modelListParams>;

export interface ReasoningEffortOption {
  reasoningEffort: string;
  description: string;
}

/** The reference's `Model`, every key present (docs/protocol.md#methods). */
export interface Model {
  id: string;
  model: string;
  upgrade: string | null;
  upgradeInfo: null;
  availabilityNux: null;
  displayName: string;
  description: string;
  modelSpecialty: string | null;
  hidden: boolean;
  supportedReasoningEfforts: ReasoningEffortOption[];
  defaultReasoningEffort: string;
  inputModalities: ('text' | 'image')[];
  supportsPersonality: false;
  multiAgentVersion: null;
  additionalSpeedTiers: string[];
  serviceTiers: { id: string; name: string; description: string }[];
  defaultServiceTier: string | null;
  availableAccessPrograms: null;
  isDefault: boolean;
}

export interface ModelListResponse {
  data: Model[];
  nextCursor: string | null;
}

export const cwdsParams = z.object({ cwds: opt(z.array(z.string())), forceReload: opt(z.boolean()) });
export const hooksListParams = z.object({ cwds: opt(z.array(z.string())), threadId: opt(z.string()) });
export const pluginInstalledParams = z.object({ cwds: opt(z.array(z.string())), installSuggestionPluginNames: opt(z.array(z.string())) });

export const fuzzyFileSearchParams = z.object({
  query: z.string().max(1000),
  roots: z.array(z.string()).max(64),
  cancellationToken: opt(z.string()),
});
export type FuzzyFileSearchParams = z.infer<typeof fuzzyFileSearchParams>;

export interface FuzzyFileSearchResult {
  root: string;
  /** Relative to `root`, `/`-separated. */
  path: string;
  match_type: 'file' | 'directory';
  file_name: string;
  score: number;
  /** Positions (in characters) of the matched query characters in `path`. */
  indices: number[];
}
