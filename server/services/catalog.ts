// What clients ask at startup besides threads (docs/protocol.md#methods): the model catalog, and
// neutral answers for what we do not have (config requirements, skills, hooks, plugins, collaboration modes,
// the Bedrock GovCloud check).
import path from 'node:path';
import type { EffectiveConfig, ResolvedProvider } from '../config/load';
import type { Model, ModelListParams, ModelListResponse } from '../protocol/catalog';
import { invalidRequest } from '../protocol/errors';
import { fetchProviderModelIds } from '../engine/model/models';
import { log } from '../util/log';
import { OPENAI_MODEL_PRESETS, SUPPORTED_REASONING_EFFORTS, type ModelPreset } from './model-presets';
import { providerFor } from './threads/settings';

export interface CatalogDeps {
  config: EffectiveConfig;
  defaultCwd: string;
  /** The stored API key, if any (sent to the provider's /models like on a model request). */
  apiKey: () => string | null;
  /** A thread's cwd (throws `thread <id> not found`), for hooks/list by thread. */
  threadCwd: (threadId: string) => string;
}

function modelEntry(id: string, preset: ModelPreset | undefined, fallbackDescription: string, isDefault: boolean, effort: string | undefined): Model {
  return {
    id,
    model: id,
    upgrade: null,
    upgradeInfo: null,
    availabilityNux: null,
    displayName: preset?.displayName ?? id,
    description: preset?.description ?? fallbackDescription,
    modelSpecialty: preset?.modelSpecialty ?? null,
    hidden: preset?.hidden ?? false,
    supportedReasoningEfforts: SUPPORTED_REASONING_EFFORTS,
    defaultReasoningEffort: effort ?? preset?.defaultReasoningEffort ?? 'medium',
    inputModalities: ['text', 'image'],
    supportsPersonality: false,
    multiAgentVersion: null,
    additionalSpeedTiers: [],
    serviceTiers: [],
    defaultServiceTier: null,
    availableAccessPrograms: null,
    isDefault,
  };
}

export class CatalogService {
  constructor(private readonly deps: CatalogDeps) {}

  private provider(id: string | null | undefined): ResolvedProvider {
    const { config } = this.deps;
    const providerId = id ?? config.modelProvider.id;
    // The same rule as thread/start's modelProvider (server/services/threads/settings.ts).
    if (providerId !== config.modelProvider.id && providerId !== 'openai' && !(config.raw.model_providers && Object.hasOwn(config.raw.model_providers, providerId))) {
      throw invalidRequest(`model provider "${providerId}" is not configured; add [model_providers.${providerId}] to config.toml`);
    }
    return providerFor(config, providerId);
  }

  /**
   * model/list: the built-in `openai` provider lists our presets; any other provider lists the configured
   * model and whatever its `GET /models` answers within the timeout. The configured model is the default.
   */
  async listModels(p: ModelListParams): Promise<ModelListResponse> {
    const { config } = this.deps;
    const provider = this.provider(p.modelProvider);
    const configured = provider.id === config.modelProvider.id ? config.model : null;
    const effort = config.raw.model_reasoning_effort;
    let ids: string[];
    if (provider.id === 'openai') {
      ids = OPENAI_MODEL_PRESETS.map((m) => m.id);
    } else {
      const fetched = await fetchProviderModelIds(provider, this.deps.apiKey());
      if (!fetched.ok) log.warn(`model/list: GET /models of provider "${provider.id}" failed (${fetched.reason}); listing the configured model only`);
      ids = fetched.ok ? fetched.ids : [];
    }
    if (configured !== null && !ids.includes(configured)) ids = [configured, ...ids];
    const defaultId = configured ?? ids[0];
    const presets = provider.id === 'openai' ? new Map(OPENAI_MODEL_PRESETS.map((m) => [m.id, m])) : new Map<string, ModelPreset>();
    const all = ids
      .map((id) => modelEntry(id, presets.get(id), `Served by ${provider.name}`, id === defaultId, id === configured ? effort : undefined))
      .filter((m) => p.includeHidden === true || !m.hidden || m.isDefault);

    const offset = p.cursor == null ? 0 : /^\d{1,9}$/.test(p.cursor) ? Number(p.cursor) : NaN;
    if (!Number.isInteger(offset) || offset > all.length) throw invalidRequest(`invalid cursor: ${JSON.stringify(String(p.cursor).slice(0, 64))}`);
    // Like the reference: no limit lists everything, a limit of 0 counts as 1.
    const limit = p.limit == null ? all.length : Math.max(1, p.limit);
    const data = all.slice(offset, offset + limit);
    const end = offset + data.length;
    return { data, nextCursor: end < all.length ? String(end) : null };
  }

  private cwds(cwds: readonly string[] | null | undefined): string[] {
    const list = cwds && cwds.length > 0 ? cwds : [this.deps.defaultCwd];
    return list.map((c) => path.resolve(this.deps.defaultCwd, c));
  }

  /** skills/list: we load no skills; one empty entry per cwd. */
  skills(cwds: readonly string[] | null | undefined) {
    return { data: this.cwds(cwds).map((cwd) => ({ cwd, skills: [], errors: [] })) };
  }

  /** hooks/list: we run no hooks; one empty entry per cwd (the thread's cwd when a thread is named). */
  hooks(p: { cwds?: string[] | null; threadId?: string | null }) {
    const cwds = p.threadId ? [this.deps.threadCwd(p.threadId)] : this.cwds(p.cwds);
    return { data: cwds.map((cwd) => ({ cwd, hooks: [], warnings: [], errors: [] })) };
  }

  /** plugin/installed: no marketplaces, no plugins. */
  installedPlugins() {
    return { marketplaces: [], marketplaceLoadErrors: [] };
  }

  /** configRequirements/read: what the reference answers when no requirements.toml or MDM entry exists. */
  configRequirements() {
    return { requirements: null, supportsIndependentSpeedModes: true };
  }

  /** collaborationMode/list: a single default mode; we have no plan mode. */
  collaborationModes() {
    return { data: [{ name: 'Default', mode: 'default', model: null, reasoning_effort: null }] };
  }

  /** account/bedrock/checkGovCloudRequirements: we have no Bedrock auth, so never GovCloud. */
  bedrockGovCloud() {
    return { isGovCloud: false, shouldWarn: false };
  }
}
