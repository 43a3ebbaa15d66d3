import { streamResponse, type ModelError, type TokenUsage } from '../../engine/model/client';
import { messageText, type OutputItem } from '../../engine/model/events';
import { ErrorCode, invalidRequest, RpcError } from '../../protocol/errors';
import { afterReply } from '../../util/after-reply';
import type { TokenUsageBreakdown } from '../../protocol/notifications';
import type { TurnStartParams, TurnSteerParams, UserInputParam } from '../../protocol/turn-params';
import type { ThreadItem, Turn, TurnError, UserInput } from '../../protocol/turn';
import { uuidv7 } from '../../util/ids';
import { log } from '../../util/log';
import type { Subscriber } from '../event-hub';
import type { AccountService } from '../account-service';
import type { ThreadService } from '../threads/api';
import type { ApprovalBroker } from './approvals';
import { buildRequest, userMessageItem } from './request';
import type { SandboxHardening } from '../../engine/exec/sandbox';
import { runToolCall, type ToolContext } from './tools';
import { ActiveTurn } from './active-turn';
import { compactionPromptItem, replacementHistory } from './compact';
import { formatReview, REVIEW_INSTRUCTIONS, reviewRecord, reviewRequest, type ReviewRequest } from './review';
import { runUserShellCommand } from './user-shell';
import type { ThreadHandle } from '../threads/handle';
import type { SandboxPolicy } from '../../protocol/common';
import type { ReviewTarget } from '../../protocol/review';

export { ActiveTurn } from './active-turn';

interface PendingCall {
  call_id: string;
  name: string;
  arguments: string;
  /** A freeform custom tool call: answered with custom_tool_call_output. */
  custom: boolean;
  /** The function_call's namespace (a function of a namespace tool). */
  namespace?: string | null;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const ZERO_USAGE: TokenUsageBreakdown = { totalTokens: 0, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0 };

function toInput(input: UserInputParam[]): UserInput[] {
  return input.map((i) => (i.type === 'text' ? { type: 'text', text: i.text } : i));
}

function addUsage(a: TokenUsageBreakdown, b: TokenUsage): TokenUsageBreakdown {
  return {
    totalTokens: a.totalTokens + b.totalTokens,
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningOutputTokens: a.reasoningOutputTokens + b.reasoningOutputTokens,
  };
}

/**
 * The agent loop (docs/protocol.md#turns): each model request is built from
 * the rollout, streamed, its tool calls run, and their outputs fed back until the model stops calling
 * tools and no steer input is pending. Every rollout record is committed before its notification.
 */
export class TurnRunner {
  private readonly active = new Map<string, ActiveTurn>();

  constructor(
    private readonly threads: ThreadService,
    private readonly account: AccountService,
    private readonly approvals: ApprovalBroker,
    private readonly hardening: SandboxHardening,
  ) {}

  activeTurn(threadId: string): ActiveTurn | undefined {
    return this.active.get(threadId);
  }

  async start(params: TurnStartParams, subscriber: Subscriber | null): Promise<{ turn: Turn }> {
    const thread = this.threads.attachForTurn(params.threadId, subscriber);
    this.refuseIfRunning(thread);
    await this.threads.applyTurnOverrides(thread, params);
    const input = toInput(params.input);
    const userItem: ThreadItem = { type: 'userMessage', id: uuidv7(), content: input };
    const { turn } = await this.launch(thread, {
      sandbox: params.sandboxPolicy ?? null,
      setup: (active) => (active.outputSchema = params.outputSchema ?? null),
      userMessage: { item: userItem, responseItem: userMessageItem(input), input },
      body: (active) => this.agentLoop(active),
    });
    return { turn };
  }

  /** thread/compact/start: a turn whose one item is the compaction (docs/protocol.md#compaction). */
  async compact(threadId: string, subscriber: Subscriber | null): Promise<Record<string, never>> {
    const thread = this.threads.attachForTurn(threadId, subscriber);
    this.refuseIfRunning(thread);
    await this.launch(thread, { sandbox: null, setup: (active) => (active.notSteerable = 'compact'), body: (active) => this.compactBody(active) });
    return {};
  }

  /** thread/shellCommand: the user's own command, unsandboxed, as a turn of its own (docs/protocol.md#user-shell-commands). */
  async shellCommand(p: { threadId: string; command: string; timeoutMs?: number | null }, subscriber: Subscriber | null): Promise<Record<string, never>> {
    if (p.command.trim() === '') throw invalidRequest('command must not be empty');
    const thread = this.threads.attachForTurn(p.threadId, subscriber);
    this.refuseIfRunning(thread);
    await this.launch(thread, {
      sandbox: { type: 'dangerFullAccess' },
      setup: (active) => (active.notSteerable = 'userShell'),
      body: (active) => runUserShellCommand(active, { command: p.command, timeoutMs: p.timeoutMs ?? null, hardening: this.hardening }),
    });
    return {};
  }

  /** review/start, inline: a turn that reviews with a conversation of its own (docs/protocol.md#review). */
  async review(p: { threadId: string; target: ReviewTarget }, subscriber: Subscriber | null): Promise<{ turn: Turn; reviewThreadId: string }> {
    const thread = this.threads.attachForTurn(p.threadId, subscriber);
    this.refuseIfRunning(thread);
    const request = reviewRequest(p.target);
    const userItem: ThreadItem = { type: 'userMessage', id: uuidv7(), content: [{ type: 'text', text: request.prompt }] };
    const { turn } = await this.launch(thread, {
      sandbox: null,
      setup: (active) => {
        active.history = [];
        active.instructions = REVIEW_INSTRUCTIONS;
        active.quietMessages = true;
        active.notSteerable = 'review';
      },
      body: (active) => this.reviewBody(active, request, userItem),
    });
    return { turn: { ...turn, items: [userItem] }, reviewThreadId: thread.id };
  }

  private refuseIfRunning(thread: ThreadHandle): void {
    const running = this.active.get(thread.id);
    if (running) throw invalidRequest(`thread ${thread.id} already has a running turn ${running.turn.id}; use turn/steer or turn/interrupt`);
  }

  /**
   * Every kind of turn starts here: the turn (and the user's message, when there is one) is committed before the
   * reply; after it the client hears turn/started, then `body` runs and the turn completes with its error.
   */
  private async launch(
    thread: ThreadHandle,
    opts: {
      sandbox: SandboxPolicy | null;
      setup?: (active: ActiveTurn) => void;
      userMessage?: { item: ThreadItem; responseItem: Record<string, unknown>; input: UserInput[] };
      body: (active: ActiveTurn) => Promise<TurnError | null>;
    },
  ): Promise<{ turn: Turn }> {
    const id = uuidv7();
    const turn: Turn = { id, rootTurnId: id, items: [], itemsView: 'notLoaded', status: 'inProgress', error: null, startedAt: nowSeconds(), completedAt: null, durationMs: null };
    const active = new ActiveTurn(turn, thread, opts.sandbox ?? this.threads.sandboxPolicy(thread.settings.sandbox));
    opts.setup?.(active);
    this.active.set(thread.id, active);
    thread.beginTurn(turn.id);
    const user = opts.userMessage;
    // The user's message starts and completes at once, when the turn takes it.
    const userItemAtMs = Date.now();
    try {
      await thread.record([
        { kind: 'event', type: 'turn_started', turnId: turn.id, payload: { turn } },
        ...(user
          ? [
              { kind: 'response_item' as const, type: 'message', turnId: turn.id, payload: user.responseItem },
              { kind: 'event' as const, type: 'item_completed', turnId: turn.id, payload: { turnId: turn.id, item: user.item, completedAtMs: userItemAtMs } },
            ]
          : []),
      ]);
      if (user) await this.threads.recordActivity(thread, user.input);
    } catch (err) {
      this.active.delete(thread.id);
      thread.endTurn();
      throw err;
    }
    afterReply(() => {
      thread.setStatus({ type: 'active', activeFlags: [] });
      thread.emit({ method: 'turn/started', params: { threadId: thread.id, turn: { ...turn } } });
      if (user) {
        thread.emit({ method: 'item/started', params: { threadId: thread.id, turnId: turn.id, item: user.item, startedAtMs: userItemAtMs } });
        thread.emit({ method: 'item/completed', params: { threadId: thread.id, turnId: turn.id, item: user.item, completedAtMs: userItemAtMs } });
      }
      this.runBody(active, opts.body).catch((err: unknown) => log.error(`turn ${turn.id} crashed`, err));
    });
    return { turn: { ...turn } };
  }

  private async runBody(active: ActiveTurn, body: (active: ActiveTurn) => Promise<TurnError | null>): Promise<void> {
    let error: TurnError | null;
    try {
      error = await body(active);
    } catch (err) {
      log.error(`turn ${active.turn.id} failed unexpectedly`, err);
      error = { message: 'The turn failed because of an internal error; see the server log.', codexErrorInfo: 'other', additionalDetails: null };
    }
    await this.finish(active, error);
  }

  steer(params: TurnSteerParams): { turnId: string } {
    const active = this.active.get(params.threadId);
    if (!active) throw invalidRequest(`thread ${params.threadId} has no active turn to steer`);
    if (active.turn.id !== params.expectedTurnId) {
      throw invalidRequest(`expected turn ${params.expectedTurnId} but the active turn is ${active.turn.id}`);
    }
    if (active.notSteerable === 'userShell') throw invalidRequest('cannot steer a user shell command turn');
    if (active.notSteerable) {
      throw new RpcError(ErrorCode.InvalidRequest, `cannot steer a ${active.notSteerable} turn`, {
        codexErrorInfo: { activeTurnNotSteerable: { turnKind: active.notSteerable } },
      });
    }
    active.steerQueue.push(toInput(params.input));
    return { turnId: active.turn.id };
  }

  interrupt(threadId: string, turnId: string): Record<string, never> {
    const active = this.active.get(threadId);
    if (!active || active.turn.id !== turnId) throw invalidRequest(`turn ${turnId} is not running on thread ${threadId}`);
    active.abort.abort();
    this.approvals.cancelTurn(turnId);
    return {};
  }

  /** Process shutdown: stop every turn; what was committed stays, and reads as interrupted later. */
  stopAll(): void {
    for (const a of this.active.values()) a.abort.abort();
  }

  /** The agent loop: sample, run the calls, feed their outputs back, until the model stops calling tools. */
  private async agentLoop(active: ActiveTurn): Promise<TurnError | null> {
    for (;;) {
      if (active.abort.signal.aborted) return null;
      await this.consumeSteer(active);
      const outcome = await this.sample(active);
      if (outcome.kind === 'failed') return outcome.error;
      if (outcome.kind === 'aborted') return null;
      if (outcome.calls.length > 0) {
        const interruptTurn = () => {
          active.abort.abort();
          this.approvals.cancelTurn(active.turn.id);
        };
        const ctx: ToolContext = { threads: this.threads, approvals: this.approvals, hardening: this.hardening, active, interruptTurn };
        for (const call of outcome.calls) {
          if (active.abort.signal.aborted) break;
          const output = await runToolCall(call, ctx);
          const type = call.custom ? 'custom_tool_call_output' : 'function_call_output';
          await this.appendHistory(active, [{ type, call_id: call.call_id, output }]);
        }
        continue;
      }
      if (active.steerQueue.length > 0) continue;
      return null;
    }
  }

  /** The model's items of a turn: into the turn's own conversation when it has one, else the thread's rollout. */
  private async appendHistory(active: ActiveTurn, items: Record<string, unknown>[]): Promise<void> {
    if (items.length === 0) return;
    if (active.history) {
      active.history.push(...items);
      return;
    }
    await active.thread.record(items.map((payload) => ({ kind: 'response_item' as const, type: String(payload.type), turnId: active.turn.id, payload })));
  }

  private async compactBody(active: ActiveTurn): Promise<TurnError | null> {
    const { thread, turn } = active;
    const item: ThreadItem = { type: 'contextCompaction', id: uuidv7() };
    await active.startItem(item);
    const history = [...thread.responseItems()];
    const body = buildRequest({ threadId: thread.id, settings: thread.settings, responseItems: history, trailingInput: [compactionPromptItem()], noTools: true });
    const answer = await this.answerOf(active, body);
    if (answer.kind !== 'completed') return answer.kind === 'failed' ? answer.error : null;
    if (answer.text.trim() === '') {
      return { message: 'Compaction failed: the model returned an empty summary; the conversation was left as it was.', codexErrorInfo: 'other', additionalDetails: null };
    }
    await thread.record([
      { kind: 'event', type: 'compacted', turnId: turn.id, payload: { summary: answer.text, replacementHistory: replacementHistory(history, answer.text) } },
    ]);
    await active.completeItem(item);
    return null;
  }

  private async reviewBody(active: ActiveTurn, request: ReviewRequest, userItem: ThreadItem): Promise<TurnError | null> {
    const { thread, turn } = active;
    const entered: ThreadItem = { type: 'enteredReviewMode', id: uuidv7(), review: request.hint };
    await active.startItem(entered);
    await active.completeItem(entered);
    await active.startItem(userItem);
    await active.completeItem(userItem);
    active.history!.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: request.prompt }] });
    const error = await this.agentLoop(active);
    if (error || active.abort.signal.aborted) return error;
    const review = formatReview(active.lastAnswer ?? '');
    const exited: ThreadItem = { type: 'exitedReviewMode', id: uuidv7(), review };
    await active.startItem(exited);
    await active.completeItem(exited);
    const message: ThreadItem = { type: 'agentMessage', id: uuidv7(), text: review };
    await active.startItem(message);
    await active.completeItem(message);
    // The thread's own conversation learns what the review found, for the turns after it.
    await thread.record([{ kind: 'response_item', type: 'message', turnId: turn.id, payload: reviewRecord(request, review) }]);
    return null;
  }

  /** One request whose answer is text only (a compaction summary): no items stream, usage is reported. */
  private async answerOf(active: ActiveTurn, body: Record<string, unknown>): Promise<{ kind: 'completed'; text: string } | { kind: 'failed'; error: TurnError } | { kind: 'aborted' }> {
    const { thread, turn } = active;
    const provider = this.threads.providerFor(thread.settings.modelProvider);
    let text = '';
    for await (const ev of streamResponse({ provider, apiKey: this.account.apiKey(), body, signal: active.abort.signal })) {
      if (ev.type === 'outputItemDone' && ev.item.type === 'message') text += messageText(ev.item);
      else if (ev.type === 'retrying') {
        text = '';
        thread.emit({ method: 'error', params: { threadId: thread.id, turnId: turn.id, error: ev.error, willRetry: true } });
      } else if (ev.type === 'completed') {
        if (ev.usage) this.reportUsage(active, ev.usage);
        return { kind: 'completed', text };
      } else if (ev.type === 'failed') {
        thread.emit({ method: 'error', params: { threadId: thread.id, turnId: turn.id, error: toTurnError(ev.error), willRetry: false } });
        return { kind: 'failed', error: toTurnError(ev.error) };
      } else if (ev.type === 'aborted') return { kind: 'aborted' };
    }
    return { kind: 'aborted' };
  }

  private reportUsage(active: ActiveTurn, usage: TokenUsage): void {
    active.usage = addUsage(active.usage, usage);
    const last = { ...ZERO_USAGE, ...usage };
    active.thread.emit({
      method: 'thread/tokenUsage/updated',
      params: { threadId: active.thread.id, turnId: active.turn.id, tokenUsage: { total: active.usage, last, modelContextWindow: null } },
    });
  }

  /** Steer input joins the conversation right before the next request. */
  private async consumeSteer(active: ActiveTurn): Promise<void> {
    const { thread, turn } = active;
    while (active.steerQueue.length > 0) {
      const input = active.steerQueue.shift()!;
      const item: ThreadItem = { type: 'userMessage', id: uuidv7(), content: input };
      const atMs = Date.now();
      await thread.record([
        { kind: 'response_item', type: 'message', turnId: turn.id, payload: userMessageItem(input) },
        { kind: 'event', type: 'item_completed', turnId: turn.id, payload: { turnId: turn.id, item, completedAtMs: atMs } },
      ]);
      thread.emit({ method: 'item/started', params: { threadId: thread.id, turnId: turn.id, item, startedAtMs: atMs } });
      thread.emit({ method: 'item/completed', params: { threadId: thread.id, turnId: turn.id, item, completedAtMs: atMs } });
    }
  }

  /** One model request, streamed into items. */
  private async sample(
    active: ActiveTurn,
  ): Promise<{ kind: 'completed'; calls: PendingCall[] } | { kind: 'failed'; error: TurnError } | { kind: 'aborted' }> {
    const { thread, turn } = active;
    const threadId = thread.id;
    const body = buildRequest({
      threadId,
      settings: thread.settings,
      responseItems: active.history ?? thread.responseItems(),
      outputSchema: active.outputSchema,
      instructions: active.instructions,
      ownConversation: active.history !== null,
    });
    const provider = this.threads.providerFor(thread.settings.modelProvider);
    const live = new Map<string, ThreadItem & { text?: string; summary?: string[] }>();
    const idFor = (itemId: string | null, outputIndex: number | null) => itemId ?? `out-${turn.id}-${outputIndex ?? 0}`;
    let calls: PendingCall[] = [];
    // What the model said in this attempt, for the next request: committed only once the response
    // completes, so a retried attempt leaves nothing behind (and no function_call without output).
    let attemptItems: Record<string, unknown>[] = [];
    let attemptItemIds: string[] = [];
    const commitAttempt = async (includeCalls: boolean) => {
      const items = includeCalls ? attemptItems : attemptItems.filter((i) => i.type !== 'function_call' && i.type !== 'custom_tool_call');
      attemptItems = [];
      await this.appendHistory(active, items);
    };

    // A quiet turn (a review) keeps the model's messages out of its items: only their text is kept.
    const quiet = (item: ThreadItem) => active.quietMessages && item.type === 'agentMessage';
    const startItem = async (item: ThreadItem) => {
      live.set(item.id, item);
      if (quiet(item)) return;
      attemptItemIds.push(item.id);
      await active.startItem(item);
    };
    const completeItem = async (item: ThreadItem, responseItem: Record<string, unknown> | null) => {
      live.delete(item.id);
      if (responseItem) attemptItems.push(responseItem);
      if (item.type === 'agentMessage') active.lastAnswer = item.text;
      if (quiet(item)) return;
      await active.completeItem(item);
    };

    for await (const ev of streamResponse({ provider, apiKey: this.account.apiKey(), body, signal: active.abort.signal })) {
      switch (ev.type) {
        case 'outputItemAdded': {
          const id = idFor(ev.itemId, ev.outputIndex);
          if (ev.itemType === 'message') await startItem({ type: 'agentMessage', id, text: '' });
          else if (ev.itemType === 'reasoning') await startItem({ type: 'reasoning', id, summary: [], content: [] });
          break;
        }
        case 'outputTextDelta': {
          const id = idFor(ev.itemId, ev.outputIndex);
          const item = live.get(id);
          if (item && item.type === 'agentMessage') item.text = (item.text ?? '') + ev.delta;
          if (!active.quietMessages) thread.emit({ method: 'item/agentMessage/delta', params: { threadId, turnId: turn.id, itemId: id, delta: ev.delta } });
          break;
        }
        case 'reasoningSummaryPartAdded': {
          const id = idFor(ev.itemId, ev.outputIndex);
          const item = live.get(id);
          if (item?.type === 'reasoning') item.summary = [...(item.summary ?? []), ''];
          thread.emit({ method: 'item/reasoning/summaryPartAdded', params: { threadId, turnId: turn.id, itemId: id, summaryIndex: ev.summaryIndex ?? 0 } });
          break;
        }
        case 'reasoningSummaryTextDelta': {
          const id = idFor(ev.itemId, ev.outputIndex);
          const item = live.get(id);
          const index = ev.summaryIndex ?? 0;
          if (item?.type === 'reasoning') {
            const summary = [...(item.summary ?? [])];
            while (summary.length <= index) summary.push('');
            summary[index] += ev.delta;
            item.summary = summary;
          }
          thread.emit({
            method: 'item/reasoning/summaryTextDelta',
            params: { threadId, turnId: turn.id, itemId: id, delta: ev.delta, summaryIndex: index },
          });
          break;
        }
        case 'reasoningTextDelta':
          thread.emit({
            method: 'item/reasoning/textDelta',
            params: { threadId, turnId: turn.id, itemId: idFor(ev.itemId, ev.outputIndex), delta: ev.delta, contentIndex: ev.contentIndex ?? 0 },
          });
          break;
        case 'outputItemDone':
          calls = calls.concat(await this.finishOutputItem(ev.item, ev.raw, idFor(ev.item.id ?? null, ev.outputIndex), live, startItem, completeItem));
          if (ev.item.type === 'function_call' || ev.item.type === 'custom_tool_call') attemptItems.push(ev.raw);
          break;
        case 'retrying':
          // The attempt's partial output is void: its started items are discarded from the rollout
          // (reads and reconnect snapshots no longer show them); live clients hear why and that we retry.
          if (attemptItemIds.length > 0) {
            const discarded = attemptItemIds;
            for (const id of discarded) thread.dropLiveItem(id);
            live.clear();
            attemptItemIds = [];
            await thread.record(
              discarded.map((itemId) => ({ kind: 'event' as const, type: 'item_discarded', turnId: turn.id, payload: { turnId: turn.id, itemId } })),
            );
          }
          attemptItems = [];
          calls = [];
          thread.emit({ method: 'error', params: { threadId, turnId: turn.id, error: ev.error, willRetry: true } });
          break;
        case 'completed': {
          await commitAttempt(true);
          if (ev.usage) this.reportUsage(active, ev.usage);
          return { kind: 'completed', calls };
        }
        case 'failed':
          await commitAttempt(false);
          thread.emit({ method: 'error', params: { threadId, turnId: turn.id, error: toTurnError(ev.error), willRetry: false } });
          return { kind: 'failed', error: toTurnError(ev.error) };
        case 'aborted':
          await commitAttempt(false);
          return { kind: 'aborted' };
        default:
          break;
      }
    }
    await commitAttempt(false);
    return { kind: 'aborted' };
  }

  private async finishOutputItem(
    item: OutputItem,
    raw: Record<string, unknown>,
    id: string,
    live: Map<string, ThreadItem>,
    startItem: (item: ThreadItem) => Promise<void>,
    completeItem: (item: ThreadItem, responseItem: Record<string, unknown> | null) => Promise<void>,
  ): Promise<PendingCall[]> {
    switch (item.type) {
      case 'message': {
        if (!live.has(id)) await startItem({ type: 'agentMessage', id, text: '' });
        await completeItem({ type: 'agentMessage', id, text: messageText(item) }, raw);
        return [];
      }
      case 'reasoning': {
        if (!live.has(id)) await startItem({ type: 'reasoning', id, summary: [], content: [] });
        const summary = item.summary.map((s) => s.text);
        const content = (item.content ?? []).map((c) => c.text);
        await completeItem({ type: 'reasoning', id, summary, content }, raw);
        return [];
      }
      case 'function_call':
        return [{ call_id: item.call_id, name: item.name, arguments: item.arguments, custom: false, namespace: item.namespace ?? null }];
      case 'custom_tool_call':
        return [{ call_id: item.call_id, name: item.name, arguments: JSON.stringify({ input: item.input }), custom: true }];
      default:
        return [];
    }
  }

  private async finish(active: ActiveTurn, error: TurnError | null): Promise<void> {
    const { thread, turn } = active;
    this.approvals.cancelTurn(turn.id);
    const done: Turn = {
      ...turn,
      items: [],
      status: error ? 'failed' : active.abort.signal.aborted ? 'interrupted' : 'completed',
      error,
      completedAt: nowSeconds(),
      durationMs: Date.now() - active.startedMs,
    };
    try {
      await thread.record([{ kind: 'event', type: 'turn_completed', turnId: turn.id, payload: { turn: done } }]);
      await this.threads.recordActivity(thread, null);
    } catch (err) {
      log.error(`could not record the end of turn ${turn.id}`, err);
    }
    this.active.delete(thread.id);
    thread.endTurn();
    const items = this.threads.turnItems(thread.id, turn.id);
    thread.setStatus({ type: 'idle' });
    thread.emit({ method: 'turn/completed', params: { threadId: thread.id, turn: { ...done, items, itemsView: 'full' } } });
    this.threads.registry.release(thread);
  }
}

export function toTurnError(e: ModelError): TurnError {
  return { message: e.message, codexErrorInfo: e.codexErrorInfo as TurnError['codexErrorInfo'], additionalDetails: e.additionalDetails };
}
