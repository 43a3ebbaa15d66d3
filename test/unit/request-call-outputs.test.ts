import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRequest } from '../../server/services/turns/request';
import type { ThreadSettings } from '../../server/services/threads/settings';

const settings: ThreadSettings = {
  model: 'm',
  modelProvider: 'p',
  cwd: '/',
  approvalPolicy: 'never',
  sandbox: 'read-only',
  reasoningEffort: null,
  baseInstructions: null,
  developerInstructions: null,
  dynamicTools: [],
};
const item = (payload: Record<string, unknown>) => payload;

test('a call left without its output (interrupt, crash) is answered "aborted" so the next request stays valid', () => {
  const records = [
    item({ type: 'message', role: 'user', content: [] }),
    item({ type: 'function_call', call_id: 'a', name: 'shell_command', arguments: '{}' }),
    item({ type: 'function_call_output', call_id: 'a', output: 'ok' }),
    item({ type: 'function_call', call_id: 'b', name: 'shell_command', arguments: '{}' }),
    item({ type: 'custom_tool_call', call_id: 'c', name: 'x', input: '' }),
    item({ type: 'message', role: 'user', content: [] }),
  ];
  const input = buildRequest({ threadId: 't', settings, responseItems: records }).input as Record<string, unknown>[];
  assert.deepEqual(
    input.map((i) => `${String(i.type)}:${String(i.call_id ?? '')}:${String(i.output ?? '')}`),
    [
      'message::',
      'function_call:a:',
      'function_call_output:a:ok',
      'function_call:b:',
      'function_call_output:b:aborted',
      'custom_tool_call:c:',
      'custom_tool_call_output:c:aborted',
      'message::',
    ],
  );
});
