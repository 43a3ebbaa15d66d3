// Over 400 lines on purpose: one suite for the Responses client (retries, SSE, errors) against one real mock server.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { streamResponse, type ModelEvent, type ModelProvider, type StreamResponseOptions } from '../server/engine/model/client';
import { backoffDelay, parseRetryAfter } from '../server/util/retry';
import { messageText } from '../server/engine/model/events';
import { parseSseJson, SseParser, type SseFrame } from '../server/engine/model/sse';
import { type MockResponsesServer, startMockResponsesServer } from '../testkit/mock-responses-server';
import { createGate, sse } from '../testkit/responses-sse';

let server: MockResponsesServer;

before(async () => {
  server = await startMockResponsesServer();
});
after(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  assert.equal(server.remaining(), 0, 'previous test left scripted replies unused');
});

function provider(overrides: Partial<ModelProvider> = {}): ModelProvider {
  return { id: 'mock', name: 'mock', base_url: server.url, wire_api: 'responses', request_max_retries: 2, stream_max_retries: 0, ...overrides };
}

const BODY = { model: 'mock-model', instructions: 'be brief', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] };

async function collect(opts: Partial<StreamResponseOptions> = {}): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const ev of streamResponse({ provider: provider(), apiKey: 'sk-test', body: BODY, env: {}, retry: { baseMs: 5 }, ...opts })) events.push(ev);
  return events;
}

function terminal(events: ModelEvent[]): ModelEvent {
  const last = events.at(-1);
  assert.ok(last, 'no events');
  assert.ok(['completed', 'failed', 'aborted'].includes(last.type), `last event is ${last.type}`);
  assert.equal(events.filter((e) => ['completed', 'failed', 'aborted'].includes(e.type)).length, 1, 'exactly one terminal event');
  return last;
}

function failure(events: ModelEvent[]): Extract<ModelEvent, { type: 'failed' }> {
  const last = terminal(events);
  assert.equal(last.type, 'failed', `expected failure, got ${JSON.stringify(last)}`);
  return last as Extract<ModelEvent, { type: 'failed' }>;
}

describe('SSE parser', () => {
  const stream =
    '\uFEFF: keep-alive comment\r\nevent: response.created\r\ndata: {"type":"response.created","response":{"id":"r1"}}\r\n\r\n' +
    'event: multi\ndata: line one\ndata:line two\nid: 7\n\n' +
    'data: {"type":"x","text":"héllo ✓ 😀"}\r\r' +
    'event: empty-no-data\n\n' +
    'retry: 100\ndata\n\n';

  const expected: SseFrame[] = [
    { event: 'response.created', data: '{"type":"response.created","response":{"id":"r1"}}', id: null },
    { event: 'multi', data: 'line one\nline two', id: '7' },
    { event: 'message', data: '{"type":"x","text":"héllo ✓ 😀"}', id: '7' },
    { event: 'message', data: '', id: '7' },
  ];

  test('whole input', () => {
    const p = new SseParser();
    assert.deepEqual([...p.push(stream), ...p.end()], expected);
  });

  test('split at every character and every byte position', () => {
    for (let i = 0; i <= stream.length; i += 1) {
      const p = new SseParser();
      assert.deepEqual([...p.push(stream.slice(0, i)), ...p.push(stream.slice(i)), ...p.end()], expected, `split at char ${i}`);
    }
    const bytes = new TextEncoder().encode(stream);
    for (let i = 0; i <= bytes.length; i += 1) {
      const p = new SseParser();
      assert.deepEqual([...p.push(bytes.subarray(0, i)), ...p.push(bytes.subarray(i)), ...p.end()], expected, `split at byte ${i}`);
    }
    const p = new SseParser();
    const frames: SseFrame[] = [];
    for (const b of bytes) frames.push(...p.push(Uint8Array.of(b)));
    assert.deepEqual([...frames, ...p.end()], expected, 'one byte at a time');
  });

  test('an unterminated trailing event is dropped', () => {
    const p = new SseParser();
    assert.deepEqual([...p.push('data: a\n\ndata: b\n'), ...p.end()], [{ event: 'message', data: 'a', id: null }]);
  });

  test('malformed JSON is a typed error, not an exception', () => {
    const r = parseSseJson({ event: 'response.output_text.delta', data: '{"delta": ', id: null });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.error.kind, 'malformedJson');
    assert.equal(r.error.event, 'response.output_text.delta');
    assert.match(r.error.message, /malformed JSON in SSE event "response\.output_text\.delta"/);
  });
});

describe('streaming', () => {
  test('text deltas concatenate to the final message; usage is reported', async () => {
    const text = 'Hello from the mock provider — streamed 😀 in pieces.';
    server.enqueue(sse.message(text, { deltas: 7, responseId: 'resp_abc' }));
    const events = await collect();
    const types = events.map((e) => e.type);
    assert.deepEqual(types, ['created', 'outputItemAdded', ...Array(7).fill('outputTextDelta'), 'outputItemDone', 'completed']);
    const deltas = events.flatMap((e) => (e.type === 'outputTextDelta' ? [e.delta] : []));
    const done = events.find((e) => e.type === 'outputItemDone');
    assert.ok(done?.type === 'outputItemDone' && done.item.type === 'message');
    assert.equal(deltas.join(''), text);
    assert.equal(messageText(done.item), text);
    assert.equal(done.raw.role, 'assistant');
    const completed = terminal(events);
    assert.ok(completed.type === 'completed');
    assert.equal(completed.responseId, 'resp_abc');
    assert.deepEqual(completed.usage, { inputTokens: 10, cachedInputTokens: 0, outputTokens: 5, reasoningOutputTokens: 0, totalTokens: 15 });
    assert.equal(server.requests.length, 1);
  });

  test('reasoning summary parts and deltas, then the message', async () => {
    server.enqueue(sse.reasoningMessage(['Thinking hard', 'Then deciding'], 'answer', { deltas: 2, reasoningContent: 'raw thoughts' }));
    const events = await collect();
    const parts = events.filter((e) => e.type === 'reasoningSummaryPartAdded');
    assert.deepEqual(parts.map((e) => e.type === 'reasoningSummaryPartAdded' && e.summaryIndex), [0, 1]);
    const summary = events.flatMap((e) => (e.type === 'reasoningSummaryTextDelta' ? [e] : []));
    assert.equal(summary.length, 4, 'two deltas per summary part');
    assert.deepEqual([0, 1].map((i) => summary.filter((e) => e.summaryIndex === i).map((e) => e.delta).join('')), ['Thinking hard', 'Then deciding']);
    assert.equal(events.flatMap((e) => (e.type === 'reasoningTextDelta' ? [e.delta] : [])).join(''), 'raw thoughts');
    const items = events.flatMap((e) => (e.type === 'outputItemDone' ? [e.item] : []));
    assert.deepEqual(items.map((i) => i.type), ['reasoning', 'message']);
    assert.ok(items[0]?.type === 'reasoning');
    assert.deepEqual(items[0].summary.map((p) => p.text), ['Thinking hard', 'Then deciding']);
    assert.equal(terminal(events).type, 'completed');
  });

  test('function_call is parsed with name, arguments and call_id', async () => {
    server.enqueue(sse.shellCommand('printf realtime-tool-ok', 'call_42', { timeout_ms: 5000 }));
    const events = await collect();
    const done = events.find((e) => e.type === 'outputItemDone');
    assert.ok(done?.type === 'outputItemDone' && done.item.type === 'function_call');
    assert.equal(done.item.name, 'shell_command');
    assert.equal(done.item.call_id, 'call_42');
    assert.deepEqual(JSON.parse(done.item.arguments), { command: 'printf realtime-tool-ok', workdir: null, timeout_ms: 5000 });
    assert.equal(terminal(events).type, 'completed');
  });

  test('custom_tool_call (freeform apply_patch) and unknown item types', async () => {
    const patch = '*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch';
    server.enqueue(sse.applyPatch(patch, 'call_p', { freeform: true }));
    const events = await collect();
    const done = events.find((e) => e.type === 'outputItemDone');
    assert.ok(done?.type === 'outputItemDone' && done.item.type === 'custom_tool_call');
    assert.equal(done.item.input, patch);

    server.enqueue(sse.events(
      { type: 'response.created', response: { id: 'r' } },
      { type: 'response.output_item.done', output_index: 0, item: { type: 'web_search_call', id: 'ws_1', status: 'completed' } },
      { type: 'response.completed', response: { id: 'r', usage: null } },
    ));
    const events2 = await collect();
    const unknown = events2.find((e) => e.type === 'outputItemDone');
    assert.ok(unknown?.type === 'outputItemDone');
    assert.deepEqual(unknown.item, { type: 'unknown', itemType: 'web_search_call', id: 'ws_1' });
    const completed = terminal(events2);
    assert.ok(completed.type === 'completed' && completed.usage === null);
  });
});

describe('retries and errors', () => {
  test('500 then success is retried, and the retry is announced', async () => {
    server.enqueue(sse.httpError(500, { error: { message: 'boom', type: 'server_error' } }), sse.message('ok'));
    const events = await collect();
    assert.equal(server.requests.length, 2);
    const retry = events.find((e) => e.type === 'retrying');
    assert.ok(retry?.type === 'retrying');
    assert.equal(retry.reason, 'httpStatus');
    assert.equal(retry.attempt, 1);
    assert.equal(retry.maxRetries, 2);
    assert.equal(retry.httpStatusCode, 500);
    assert.deepEqual(retry.error.codexErrorInfo, { httpConnectionFailed: { httpStatusCode: 500 } });
    assert.match(retry.error.message, /Reconnecting\.\.\. 1\/2 .*500 Internal Server Error.*boom/);
    assert.equal(terminal(events).type, 'completed');
    assert.equal(server.requests[0]!.rawBody, server.requests[1]!.rawBody, 'the same request is re-sent');
  });

  test('5xx until the budget is spent → httpConnectionFailed with the status', async () => {
    server.enqueue(sse.httpError(502, 'bad gateway'), sse.httpError(502, 'bad gateway'), sse.httpError(502, 'bad gateway'));
    const events = await collect();
    assert.equal(server.requests.length, 3, '1 + request_max_retries(2)');
    assert.equal(events.filter((e) => e.type === 'retrying').length, 2);
    const f = failure(events);
    assert.deepEqual(f.error.codexErrorInfo, { httpConnectionFailed: { httpStatusCode: 502 } });
    assert.match(f.error.message, /unexpected status 502 Bad Gateway from http:\/\/127\.0\.0\.1:\d+\/v1\/responses: bad gateway \(gave up after 3 attempts\)/);
  });

  test('429 with Retry-After: 1 waits about a second', async () => {
    server.enqueue(sse.httpError(429, { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, { retryAfter: 1 }), sse.message('ok'));
    const events = await collect();
    assert.equal(server.requests.length, 2);
    const waited = server.requests[1]!.receivedAt - server.requests[0]!.receivedAt;
    assert.ok(waited >= 900, `waited only ${waited} ms`);
    const retry = events.find((e) => e.type === 'retrying');
    assert.ok(retry?.type === 'retrying');
    assert.equal(retry.delayMs, 1000);
    assert.equal(retry.error.codexErrorInfo, 'rateLimitExceeded');
    assert.equal(terminal(events).type, 'completed');
  });

  test('429 rate limit until the budget is spent → responseTooManyFailedAttempts', async () => {
    server.enqueue(sse.httpError(429, 'slow down'), sse.httpError(429, 'slow down'));
    const f = failure(await collect({ provider: provider({ request_max_retries: 1 }) }));
    assert.deepEqual(f.error.codexErrorInfo, { responseTooManyFailedAttempts: { httpStatusCode: 429 } });
  });

  test('429 with a usage-limit code is not retried → usageLimitExceeded', async () => {
    server.enqueue(sse.httpError(429, { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached' } }));
    const f = failure(await collect());
    assert.equal(server.requests.length, 1);
    assert.equal(f.error.codexErrorInfo, 'usageLimitExceeded');
  });

  test('Retry-After longer than the limit fails at once with an actionable message', async () => {
    server.enqueue(sse.httpError(503, 'maintenance', { retryAfter: 3600 }));
    const f = failure(await collect());
    assert.equal(server.requests.length, 1);
    assert.match(f.error.message, /asked to retry after 3600 s/);
  });

  test('401 is not retried → unauthorized with the status and body', async () => {
    server.enqueue(sse.httpError(401, { error: { message: 'Incorrect API key provided: sk-te***st', code: 'invalid_api_key' } }));
    const f = failure(await collect({ provider: provider({ request_max_retries: 4 }) }));
    assert.equal(server.requests.length, 1);
    assert.equal(f.error.codexErrorInfo, 'unauthorized');
    assert.equal(f.httpStatusCode, 401);
    assert.match(f.error.message, /^unexpected status 401 Unauthorized from .*: Incorrect API key provided: sk-te\*\*\*st \(code: invalid_api_key\)\. Check the API key/);
  });

  test('400 / 404 are not retried', async () => {
    server.enqueue(sse.httpError(400, { error: { message: 'Unsupported parameter: foo', code: 'unsupported_parameter' } }));
    assert.equal(failure(await collect()).error.codexErrorInfo, 'badRequest');
    server.enqueue(sse.httpError(400, { error: { message: 'too long', code: 'context_length_exceeded' } }));
    assert.equal(failure(await collect()).error.codexErrorInfo, 'contextWindowExceeded');
    server.enqueue(sse.httpError(404, 'no such model'));
    assert.deepEqual(failure(await collect()).error.codexErrorInfo, { httpConnectionFailed: { httpStatusCode: 404 } });
    assert.equal(server.requests.length, 3);
  });

  test('connection refused is retried, then httpConnectionFailed with a null status', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const addr = s.address();
        s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const events = await collect({ provider: provider({ base_url: `http://127.0.0.1:${port}/v1`, request_max_retries: 1 }) });
    const retry = events.find((e) => e.type === 'retrying');
    assert.ok(retry?.type === 'retrying' && retry.reason === 'connect');
    const f = failure(events);
    assert.deepEqual(f.error.codexErrorInfo, { httpConnectionFailed: { httpStatusCode: null } });
    assert.match(f.error.message, /could not connect to the model provider at .*ECONNREFUSED/);
  });

  test('a stream dropped mid-way is re-sent (stream_max_retries=1): retrying, then completion', async () => {
    server.enqueue(sse.drop(sse.message('first attempt text', { deltas: 4 }), 5), sse.message('second', { deltas: 2 }));
    const events = await collect({ provider: provider({ stream_max_retries: 1 }) });
    assert.equal(server.requests.length, 2);
    const idx = events.findIndex((e) => e.type === 'retrying');
    const retry = events[idx];
    assert.ok(retry?.type === 'retrying');
    assert.equal(retry.reason, 'streamDisconnected');
    assert.equal(retry.discardPartialOutput, true);
    assert.deepEqual(retry.error.codexErrorInfo, { responseStreamDisconnected: { httpStatusCode: null } });
    assert.ok(events.slice(0, idx).some((e) => e.type === 'outputTextDelta'), 'partial output came before the retry');
    const after = events.slice(idx + 1).flatMap((e) => (e.type === 'outputTextDelta' ? [e.delta] : []));
    assert.equal(after.join(''), 'second');
    assert.equal(terminal(events).type, 'completed');
  });

  test('a dropped stream with stream_max_retries=0 → responseStreamDisconnected', async () => {
    server.enqueue(sse.drop(sse.message('x', { deltas: 3 }), 4));
    const f = failure(await collect());
    assert.equal(server.requests.length, 1);
    assert.deepEqual(f.error.codexErrorInfo, { responseStreamDisconnected: { httpStatusCode: null } });
    assert.match(f.error.message, /^stream disconnected before completion: /);
  });

  test('a stream that ends cleanly without response.completed counts as a drop', async () => {
    server.enqueue(sse.events({ type: 'response.created', response: { id: 'r' } }));
    const f = failure(await collect());
    assert.match(f.error.message, /stream closed before response\.completed/);
  });

  test('malformed SSE data → a clear error, no crash, server still usable', async () => {
    server.enqueue(sse.malformed());
    const f = failure(await collect());
    assert.equal(f.error.codexErrorInfo, 'other');
    assert.match(f.error.message, /malformed event stream: malformed JSON in SSE event "response\.output_text\.delta"/);
    server.enqueue(sse.message('fine'));
    assert.equal(terminal(await collect()).type, 'completed');
  });

  test('malformed SSE is retried within stream_max_retries', async () => {
    server.enqueue(sse.malformed(), sse.message('fine'));
    const events = await collect({ provider: provider({ stream_max_retries: 1 }) });
    assert.ok(events.some((e) => e.type === 'retrying' && e.reason === 'malformed'));
    assert.equal(terminal(events).type, 'completed');
  });

  test('response.failed context_length_exceeded → contextWindowExceeded without retry', async () => {
    server.enqueue(sse.failed('context_length_exceeded', 'Your input exceeds the context window of this model.'));
    const f = failure(await collect({ provider: provider({ stream_max_retries: 3 }) }));
    assert.equal(server.requests.length, 1);
    assert.equal(f.error.codexErrorInfo, 'contextWindowExceeded');
    assert.match(f.error.message, /context window/);
  });

  test('response.failed server_error is retried, then internalServerError', async () => {
    server.enqueue(sse.failed('server_error', 'oops'), sse.failed('server_error', 'oops'));
    const events = await collect({ provider: provider({ stream_max_retries: 1 }) });
    assert.equal(server.requests.length, 2);
    assert.equal(failure(events).error.codexErrorInfo, 'internalServerError');
  });

  test('response.incomplete → failed with the reason', async () => {
    server.enqueue(sse.incomplete('max_output_tokens'));
    const f = failure(await collect());
    assert.match(f.error.message, /incomplete \(reason: max_output_tokens\)/);
  });

  test('an abort signal ends a hanging stream within 100 ms', async () => {
    server.enqueue(sse.hanging());
    const ac = new AbortController();
    const events: ModelEvent[] = [];
    let abortedAt = 0;
    for await (const ev of streamResponse({ provider: provider(), apiKey: 'k', body: BODY, env: {}, signal: ac.signal })) {
      events.push(ev);
      if (ev.type === 'created') {
        setTimeout(() => {
          abortedAt = Date.now();
          ac.abort();
        }, 50);
      }
    }
    const elapsed = Date.now() - abortedAt;
    assert.equal(terminal(events).type, 'aborted');
    assert.ok(elapsed < 100, `took ${elapsed} ms`);
  });

  test('an abort during the retry wait ends promptly', async () => {
    server.enqueue(sse.httpError(503, 'later', { retryAfter: 30 }));
    const ac = new AbortController();
    const started = Date.now();
    const events: ModelEvent[] = [];
    for await (const ev of streamResponse({ provider: provider(), apiKey: 'k', body: BODY, env: {}, signal: ac.signal })) {
      events.push(ev);
      if (ev.type === 'retrying') ac.abort();
    }
    assert.equal(terminal(events).type, 'aborted');
    assert.ok(Date.now() - started < 1000);
  });

  test('stream_idle_timeout_ms aborts a silent stream and counts as a drop', async () => {
    server.enqueue(sse.hanging(), sse.hanging());
    const started = Date.now();
    const events = await collect({ provider: provider({ stream_idle_timeout_ms: 150, stream_max_retries: 1 }) });
    assert.equal(server.requests.length, 2);
    assert.ok(events.some((e) => e.type === 'retrying' && e.reason === 'idleTimeout'));
    const f = failure(events);
    assert.deepEqual(f.error.codexErrorInfo, { responseStreamDisconnected: { httpStatusCode: null } });
    assert.match(f.error.message, /no data for 150 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  test('time the consumer spends on an event does not count as idle', async () => {
    server.enqueue(sse.message('patience', { deltas: 2 }));
    const events: ModelEvent[] = [];
    for await (const ev of streamResponse({ provider: provider({ stream_idle_timeout_ms: 100 }), apiKey: 'k', body: BODY, env: {} })) {
      events.push(ev);
      if (ev.type === 'outputItemAdded') await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(terminal(events).type, 'completed');
  });

  test('a gated stream continues when the gate opens', async () => {
    const gate = createGate();
    server.enqueue(sse.gated(sse.message('after gate', { deltas: 2 }), gate, 3));
    const seen: string[] = [];
    for await (const ev of streamResponse({ provider: provider(), apiKey: 'k', body: BODY, env: {} })) {
      seen.push(ev.type);
      if (ev.type === 'outputItemAdded') setTimeout(() => gate.open(), 30);
    }
    assert.equal(seen.at(-1), 'completed');
  });

  test('breaking out of the loop cancels the request', async () => {
    server.enqueue(sse.hanging());
    for await (const ev of streamResponse({ provider: provider(), apiKey: 'k', body: BODY, env: {} })) {
      if (ev.type === 'created') break;
    }
    server.enqueue(sse.message('still fine'));
    assert.equal(terminal(await collect()).type, 'completed');
  });
});

describe('request shape', () => {
  test('URL, query params, headers and body', async () => {
    server.enqueue(sse.message('ok'));
    await collect({
      provider: provider({ query_params: { 'api-version': '2025-01-01' }, http_headers: { 'X-Custom': 'yes' }, env_http_headers: { 'X-From-Env': 'MY_HDR' } }),
      env: { MY_HDR: 'env-value' },
      extraHeaders: { session_id: 'thr_1' },
    });
    const req = server.requests[0]!;
    assert.equal(req.path, '/v1/responses');
    assert.deepEqual(req.query, { 'api-version': '2025-01-01' });
    assert.equal(req.headers.authorization, 'Bearer sk-test');
    assert.equal(req.headers.accept, 'text/event-stream');
    assert.match(String(req.headers['content-type']), /^application\/json/);
    assert.equal(req.headers['x-custom'], 'yes');
    assert.equal(req.headers['x-from-env'], 'env-value');
    assert.equal(req.headers.session_id, 'thr_1');
    assert.deepEqual(req.body, { ...BODY, stream: true });
  });

  test('auth precedence: bearer token > stored key > env_key > OPENAI_API_KEY', async () => {
    const env = { MY_KEY: 'from-env-key', OPENAI_API_KEY: 'from-openai-env' };
    const cases: Array<[Partial<StreamResponseOptions>, string | undefined]> = [
      [{ provider: provider({ experimental_bearer_token: 'bearer', env_key: 'MY_KEY' }), apiKey: 'stored', env }, 'Bearer bearer'],
      [{ provider: provider({ env_key: 'MY_KEY' }), apiKey: 'stored', env }, 'Bearer stored'],
      [{ provider: provider({ env_key: 'MY_KEY' }), apiKey: null, env }, 'Bearer from-env-key'],
      [{ provider: provider({ requires_openai_auth: true }), apiKey: null, env }, 'Bearer from-openai-env'],
      // A custom provider without env_key never receives OPENAI_API_KEY.
      [{ provider: provider(), apiKey: null, env }, undefined],
    ];
    for (const [opts] of cases) {
      server.enqueue(sse.message('ok'));
      assert.equal(terminal(await collect(opts)).type, 'completed');
    }
    assert.deepEqual(server.requests.map((r) => r.headers.authorization), cases.map(([, want]) => want));
  });

  test('a provider whose env_key is unset and no stored key fails without a request', async () => {
    const f = failure(await collect({ provider: provider({ env_key: 'MISSING_KEY' }), apiKey: null, env: {} }));
    assert.equal(f.error.codexErrorInfo, 'unauthorized');
    assert.match(f.error.message, /MISSING_KEY/);
    assert.equal(server.requests.length, 0);
  });
});

describe('helpers', () => {
  test('Retry-After as seconds, HTTP date and retry-after-ms', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': '2' }), now), 2000);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now), 3000);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), now), 250);
    assert.equal(parseRetryAfter(new Headers({ 'retry-after': 'soon' }), now), null);
    assert.equal(parseRetryAfter(new Headers(), now), null);
  });

  test('backoff is exponential with jitter and capped', () => {
    const mid = { baseMs: 200, maxMs: 10_000, random: () => 0.5 };
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, mid)), [200, 400, 800, 1600]);
    assert.equal(backoffDelay(20, mid), 10_000);
    assert.equal(backoffDelay(1, { ...mid, random: () => 0 }), 160);
    assert.ok(backoffDelay(30, { ...mid, random: () => 0.999 }) <= 10_000);
  });
});
