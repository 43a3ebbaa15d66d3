// Codex rollout lines to our records (services/import/codex-rollout.ts): hostile and odd lines change nothing
// and are reported, older rollouts (user_message / agent_message, no turn ids) still give turns, a turn left
// open is closed as interrupted by the next one, and an error makes the turn failed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyLine, initialState } from '../../server/services/import/codex-rollout';
import { rebuildTurns } from '../../server/services/threads/projection';

const meta = JSON.stringify({ timestamp: '2025-01-01T00:00:00Z', type: 'session_meta', payload: { id: 't-1', timestamp: '2025-01-01T00:00:00Z', cwd: '/w', cli_version: '0.40.0', source: 'cli', model_provider: 'openai', git: { commit_hash: 'abc', branch: 'main', repository_url: 'u' } } });
const ev = (payload: Record<string, unknown>, ts = '2025-01-01T00:00:05Z') => JSON.stringify({ timestamp: ts, type: 'event_msg', payload });

test('malformed lines are refused and leave the state as it was', () => {
  const s = initialState();
  for (const bad of ['', 'not json', '[]', '42', '{"type": 5}', '{"type":"session_meta","payload":"x"}', '{"type":"session_meta","payload":{}}']) {
    assert.equal(applyLine(s, bad).ok, false, JSON.stringify(bad));
  }
  assert.deepEqual(s, initialState());
  assert.equal(applyLine(s, ev({ type: 'task_started' })).ok, false, 'an event before session_meta');
  assert.equal(applyLine(s, meta).ok, true);
  assert.equal(s.meta?.id, 't-1');
  assert.deepEqual(s.meta?.gitInfo, { sha: 'abc', branch: 'main', originUrl: 'u' });
  // Unknown line and event types, and items of kinds we do not show, are fine and produce nothing.
  assert.deepEqual(applyLine(s, JSON.stringify({ type: 'world_state', payload: { x: 1 } })), { ok: true, records: [] });
  assert.deepEqual(applyLine(s, ev({ type: 'item_completed', item: { type: 'Reasoning', id: 'r' } })), { ok: true, records: [] });
  assert.deepEqual(applyLine(s, ev({ type: 'item_completed', item: { type: 'AgentMessage' } })), { ok: true, records: [] }, 'an item without an id');
  // Codex's bookkeeping and its own instructions never reach the model view.
  const r = applyLine(s, JSON.stringify({ type: 'response_item', payload: { type: 'message', role: 'developer', content: [] } }));
  assert.deepEqual(r, { ok: true, records: [] });
  const kept = applyLine(s, JSON.stringify({ type: 'response_item', payload: { type: 'function_call', name: 'x', arguments: '{}', call_id: 'c', internal_chat_message_metadata_passthrough: { a: 1 } } }));
  assert.ok(kept.ok);
  assert.deepEqual(kept.records[0]!.payload, { type: 'function_call', name: 'x', arguments: '{}', call_id: 'c' });
});

test('an older rollout (user_message / agent_message, no turn ids) still gives turns; open turns are closed', () => {
  const s = initialState();
  const records = [
    meta,
    ev({ type: 'task_started' }),
    ev({ type: 'user_message', message: 'old question' }),
    ev({ type: 'agent_message', message: 'old answer' }),
    ev({ type: 'task_complete' }),
    ev({ type: 'task_started' }),
    ev({ type: 'user_message', message: 'cut off' }),
    // no task_complete: the next turn starts (a crash in between)
    ev({ type: 'task_started' }),
    ev({ type: 'error', message: 'stream disconnected' }),
    ev({ type: 'task_complete' }),
  ].flatMap((l) => {
    const r = applyLine(s, l);
    assert.ok(r.ok, l);
    return r.records;
  });
  const turns = rebuildTurns(records);
  assert.deepEqual(turns.map((t) => t.status), ['completed', 'interrupted', 'failed']);
  assert.equal(turns[2]!.error?.message, 'stream disconnected');
  assert.deepEqual(turns[0]!.items.map((i) => i.type), ['userMessage', 'agentMessage']);
  assert.equal(s.meta?.preview, 'old question');
  // Ids are derived, stable and distinct.
  assert.equal(new Set(turns.map((t) => t.id)).size, 3);
});

test("a response item is stored as the line's own payload text only when that text is exactly the stored payload", () => {
  const s = initialState();
  assert.ok(applyLine(s, meta).ok);
  const one = (text: string) => {
    const r = applyLine(s, text);
    assert.ok(r.ok, text);
    assert.equal(r.records.length, 1, text);
    const rec = r.records[0]!;
    // Whatever is stored must be valid JSON equal to the parsed payload.
    if (rec.payloadJson !== undefined) assert.deepEqual(JSON.parse(rec.payloadJson), rec.payload, text);
    return rec;
  };
  const ts = '"timestamp":"2025-01-01T00:00:06Z"';
  // Codex's own shape: the payload's text is kept as written (escapes and number forms included).
  const codex = `{${ts},"type":"response_item","payload":{"type":"function_call_output","call_id":"c","output":"caf\\u00e9 \\/ 1.50"}}`;
  const kept = one(codex);
  assert.equal(kept.payloadJson, '{"type":"function_call_output","call_id":"c","output":"caf\\u00e9 \\/ 1.50"}');
  assert.deepEqual(kept.payload, { type: 'function_call_output', call_id: 'c', output: 'café / 1.50' });
  // A second payload key, a key after the payload, or a reordered line: parsed whole, serialized again.
  const dup = one(`{${ts},"type":"response_item","payload":{"type":"message","role":"user","content":[]},"payload":{"type":"function_call","name":"x","arguments":"{}","call_id":"d"}}`);
  assert.equal(dup.payloadJson, undefined);
  assert.equal(dup.type, 'function_call', 'the last of duplicate keys, as JSON.parse reads it');
  assert.equal(one(`{${ts},"type":"response_item","payload":{"type":"reasoning","summary":[]},"extra":{"x":"}"}}`).payloadJson, undefined);
  assert.equal(one(`{"type":"response_item",${ts},"payload":{"type":"reasoning","summary":[]}}`).payloadJson, undefined);
  // Keys dropped from the item (bookkeeping, a __proto__ key): the stored payload is not the line's text.
  const dropped = one(`{${ts},"type":"response_item","payload":{"type":"function_call","name":"x","arguments":"{}","call_id":"e","metadata":{"a":1},"__proto__":{"polluted":true}}}`);
  assert.equal(dropped.payloadJson, undefined);
  assert.deepEqual(dropped.payload, { type: 'function_call', name: 'x', arguments: '{}', call_id: 'e' });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // A line cut short, or with junk after it, is malformed either way.
  const raw = (c: string) => `{"timestamp":"2025${c}01","type":"response_item","payload":{"type":"reasoning","summary":[]}}`;
  // JSON forbids raw control characters in a string: such a line is malformed on the fast path too.
  for (const bad of [codex.slice(0, -1), `${codex}x`, `{${ts},"type":"response_item","payload":}`, raw('\t'), raw('\u0000'), raw('\n')]) {
    assert.throws(() => JSON.parse(bad), SyntaxError, bad);
    assert.equal(applyLine(s, bad).ok, false, bad);
  }
});

// A response item nested 100,000 levels deep parses (V8's JSON.parse is iterative) but JSON.stringify, which
// stores an item whose keys were trimmed and sends every item to the model, threw RangeError: the import
// crashed and rolled back, and live sync stalled on that file every tick. Such a line is refused instead;
// realistic nesting is kept.
test('a response item nested deeper than any real one is refused; ordinary nesting is kept', () => {
  const s = initialState();
  assert.ok(applyLine(s, meta).ok);
  const item = (content: string, extra = '') => `{"timestamp":"2025-01-01T00:00:06Z","type":"response_item","payload":{"type":"message","role":"user","content":${content}${extra}}}`;
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  for (const line of [item(deep), item(deep, ',"metadata":1')]) {
    const before = JSON.stringify(s);
    const r = applyLine(s, line);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.reason, /nested/);
    assert.equal(JSON.stringify(s), before, 'the state is unchanged');
  }
  const ok = applyLine(s, item('['.repeat(50) + ']'.repeat(50), ',"metadata":1'));
  assert.ok(ok.ok);
  assert.equal(ok.records.length, 1);
  assert.equal(JSON.stringify(ok.records[0]!.payload).length, 100 + '{"type":"message","role":"user","content":}'.length);
});
