import { z } from 'zod';
import { cwdsParams, fuzzyFileSearchParams, hooksListParams, modelListParams, pluginInstalledParams } from '../protocol/catalog';
import { commandExecParams, commandExecResizeParams, commandExecTerminateParams, commandExecWriteParams } from '../protocol/command-exec';
import { approvalPolicyGate } from '../protocol/common';
import { invalidRequest } from '../protocol/errors';
import {
  threadForkParams,
  threadIdParams,
  threadListParams,
  threadLoadedListParams,
  threadMemoryModeSetParams,
  threadReadParams,
  threadResumeParams,
  threadSetNameParams,
  threadStartParams,
} from '../protocol/thread';
import {
  realtimeAppendAudioParams,
  realtimeAppendTextParams,
  realtimeListVoicesParams,
  realtimeStartParams,
  realtimeThreadParams,
} from '../protocol/realtime';
import { threadItemsListParams, threadPageParams, threadReadStateUpdateParams, threadTurnsListParams } from '../protocol/thread-history';
import { reviewStartParams, threadCompactStartParams, threadShellCommandParams } from '../protocol/review';
import { turnInterruptParams, turnStartParams, turnSteerParams } from '../protocol/turn-params';
import { threadSearchOccurrencesParams, threadSearchParams } from '../protocol/search';
import { readConfig } from '../services/config-read';
import { method, methodTable, type MethodTable } from './method-table';

const loginParams = z.discriminatedUnion('type', [
  z.object({ type: z.literal('apiKey'), apiKey: z.string() }),
  z.object({ type: z.literal('chatgpt') }).loose(),
  z.object({ type: z.literal('chatgptDeviceCode') }).loose(),
  z.object({ type: z.literal('chatgptAuthTokens') }).loose(),
]);

const empty = z.object({}).loose();

/** The app-server v2 method table: name → params schema, gating, handler (docs/architecture.md#protocol-types-are-defined-once). */
export const methods: MethodTable = methodTable({
  'thread/start': method({
    params: threadStartParams,
    experimentalUse: (p) =>
      (p.mockExperimentalField != null && 'thread/start.mockExperimentalField') ||
      (p.dynamicTools != null && 'thread/start.dynamicTools') ||
      (p.persistExtendedHistory != null && 'thread/start.persistExtendedHistory') ||
      (p.experimentalRawEvents != null && 'thread/start.experimentalRawEvents') ||
      approvalPolicyGate(p.approvalPolicy),
    handler: (p, ctx) => ctx.services.threads.start(p, ctx.subscriber),
  }),
  'thread/resume': method({
    params: threadResumeParams,
    experimentalUse: (p) => approvalPolicyGate(p.approvalPolicy),
    handler: (p, ctx) => ctx.services.threads.resume(p, ctx.subscriber),
  }),
  'thread/fork': method({
    params: threadForkParams,
    experimentalUse: (p) => approvalPolicyGate(p.approvalPolicy),
    handler: (p, ctx) => ctx.services.threads.fork(p, ctx.subscriber),
  }),
  'thread/read': method({
    params: threadReadParams,
    handler: (p, ctx) => ctx.services.threads.read(p.threadId, p.includeTurns ?? false),
  }),
  'thread/list': method({
    params: threadListParams,
    handler: (p, ctx) => {
      const page = ctx.services.threads.list(p);
      return { ...page, readStates: ctx.services.history.readStates(page.data.map((t) => t.id)) };
    },
  }),
  // Experimental in the reference 0.169, as here.
  'thread/search': method({ params: threadSearchParams, experimental: true, handler: (p, ctx) => ctx.services.search.search(p) }),
  'thread/searchOccurrences': method({
    params: threadSearchOccurrencesParams,
    experimental: true,
    handler: (p, ctx) => ctx.services.search.occurrences(p),
  }),
  'thread/loaded/list': method({ params: threadLoadedListParams, handler: (p, ctx) => ctx.services.threads.loadedList(p) }),
  'thread/archive': method({ params: threadIdParams, handler: (p, ctx) => ctx.services.threads.archive(p.threadId) }),
  'thread/unarchive': method({ params: threadIdParams, handler: (p, ctx) => ctx.services.threads.unarchive(p.threadId) }),
  'thread/unsubscribe': method({
    params: threadIdParams,
    handler: (p, ctx) => ctx.services.threads.unsubscribe(p.threadId, ctx.subscriber),
  }),
  'thread/name/set': method({ params: threadSetNameParams, handler: (p, ctx) => ctx.services.threads.setName(p.threadId, p.name) }),
  'turn/start': method({
    params: turnStartParams,
    experimentalUse: (p) => approvalPolicyGate(p.approvalPolicy),
    handler: (p, ctx) => ctx.services.turns.start(p, ctx.subscriber),
  }),
  'thread/compact/start': method({ params: threadCompactStartParams, handler: (p, ctx) => ctx.services.turns.compact(p.threadId, ctx.subscriber) }),
  'thread/shellCommand': method({ params: threadShellCommandParams, handler: (p, ctx) => ctx.services.turns.shellCommand(p, ctx.subscriber) }),
  'review/start': method({ params: reviewStartParams, handler: (p, ctx) => ctx.services.turns.review(p, ctx.subscriber) }),
  'turn/steer': method({ params: turnSteerParams, handler: (p, ctx) => ctx.services.turns.steer(p) }),
  'turn/interrupt': method({ params: turnInterruptParams, handler: (p, ctx) => ctx.services.turns.interrupt(p.threadId, p.turnId) }),
  'thread/memoryMode/set': method({
    params: threadMemoryModeSetParams,
    experimental: true,
    handler: (p, ctx) => {
      // We keep no memories, so every thread is effectively "disabled"; accept the call for existing threads.
      ctx.services.threads.read(p.threadId, false);
      return {};
    },
  }),
  'thread/realtime/start': method({
    params: realtimeStartParams,
    experimental: true,
    handler: (p, ctx) => ctx.services.realtime.start(p, ctx.subscriber),
  }),
  'thread/realtime/appendAudio': method({
    params: realtimeAppendAudioParams,
    experimental: true,
    handler: (p, ctx) => ctx.services.realtime.appendAudio(p),
  }),
  'thread/realtime/appendText': method({
    params: realtimeAppendTextParams,
    experimental: true,
    handler: (p, ctx) => ctx.services.realtime.appendText(p),
  }),
  'thread/realtime/stop': method({ params: realtimeThreadParams, experimental: true, handler: (p, ctx) => ctx.services.realtime.stop(p) }),
  'thread/realtime/listVoices': method({ params: realtimeListVoicesParams, experimental: true, handler: (_p, ctx) => ctx.services.realtime.listVoices() }),
  'mock/experimentalMethod': method({
    params: z.object({ value: z.string().nullish() }),
    experimental: true,
    handler: (p) => ({ echoed: p.value ?? null }),
  }),
  'config/read': method({
    params: z.object({ includeLayers: z.boolean().nullish(), cwd: z.string().nullish() }),
    handler: (p, ctx) => readConfig(ctx.services.config, p.includeLayers ?? false),
  }),
  'account/login/start': method({
    params: loginParams,
    handler: (p, ctx) => {
      if (p.type !== 'apiKey') throw invalidRequest(`login type "${p.type}" is not supported by codex-web; use {"type":"apiKey"}`);
      return ctx.services.account.loginWithApiKey(p.apiKey);
    },
  }),
  'account/read': method({ params: empty, handler: (_p, ctx) => ctx.services.account.read() }),
  'account/logout': method({ params: empty, handler: (_p, ctx) => ctx.services.account.logout() }),
  'command/exec': method({
    params: commandExecParams,
    experimentalUse: (p) => (p.permissionProfile != null ? 'command/exec.permissionProfile' : null),
    handler: (p, ctx) => ctx.services.commandExec.exec(p, ctx.subscriber),
  }),
  'command/exec/write': method({ params: commandExecWriteParams, handler: (p, ctx) => ctx.services.commandExec.write(p, ctx.subscriber) }),
  'command/exec/resize': method({ params: commandExecResizeParams, handler: (p, ctx) => ctx.services.commandExec.resize(p, ctx.subscriber) }),
  'command/exec/terminate': method({
    params: commandExecTerminateParams,
    handler: (p, ctx) => ctx.services.commandExec.terminate(p, ctx.subscriber),
  }),
  // What the Codex TUI asks at startup (docs/protocol.md#methods); gating as in the reference 0.169.
  'model/list': method({ params: modelListParams, handler: (p, ctx) => ctx.services.catalog.listModels(p) }),
  'configRequirements/read': method({ params: empty, handler: (_p, ctx) => ctx.services.catalog.configRequirements() }),
  'skills/list': method({ params: cwdsParams, handler: (p, ctx) => ctx.services.catalog.skills(p.cwds) }),
  'hooks/list': method({ params: hooksListParams, handler: (p, ctx) => ctx.services.catalog.hooks(p) }),
  'plugin/installed': method({ params: pluginInstalledParams, handler: (_p, ctx) => ctx.services.catalog.installedPlugins() }),
  'collaborationMode/list': method({ params: empty, experimental: true, handler: (_p, ctx) => ctx.services.catalog.collaborationModes() }),
  'account/bedrock/checkGovCloudRequirements': method({ params: empty, experimental: true, handler: (_p, ctx) => ctx.services.catalog.bedrockGovCloud() }),
  fuzzyFileSearch: method({ params: fuzzyFileSearchParams, handler: (p, ctx) => ctx.services.fileSearch.search(p) }),
  'thread/turns/list': method({ params: threadTurnsListParams, handler: (p, ctx) => ctx.services.history.listTurns(p) }),
  'thread/items/list': method({ params: threadItemsListParams, handler: (p, ctx) => ctx.services.history.listItems(p) }),
  'thread/readState/update': method({
    params: threadReadStateUpdateParams,
    experimental: true,
    handler: async (p, ctx) => ctx.services.history.updateReadState(p),
  }),
  'thread/goal/get': method({ params: threadIdParams, handler: (p, ctx) => ctx.services.history.goal(p.threadId) }),
  'thread/backgroundTerminals/list': method({
    params: threadPageParams,
    experimental: true,
    handler: (p, ctx) => ctx.services.history.backgroundTerminals(p.threadId),
  }),
});

