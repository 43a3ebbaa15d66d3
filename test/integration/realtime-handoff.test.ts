// Seed 001 (realtime_conversation.rs), handoff scenarios: spoken requests become coding-agent turns on the
// same thread, and what the agent says goes back to the realtime conversation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audioDelta, backgroundAgentCall, sessionUpdated } from '../../testkit/realtime-upstream';
import { createGate, sse } from '../../testkit/responses-sse';
import { functionCallOutput, functionCallOutputs, progressUpdate, realtimeHarness, startWebrtc, userTextItem } from '../support/realtime-harness';

interface TurnParams {
  threadId: string;
  item: { type: string; id: string; status?: string; aggregatedOutput?: string | null };
}

const STEERING_ACKNOWLEDGEMENT = 'This was sent to steer the previous background agent task.';
const requestText = (body: unknown) => JSON.stringify(body);

test('webrtc_v1_handoff_request_delegates_and_appends_result', async (t) => {
  const h = await realtimeHarness(t, {
    version: 'v1',
    responses: [sse.message('delegated from v1')],
    sideband: [
      {
        batches: [
          [
            sessionUpdated('sess_v1_handoff'),
            { type: 'conversation.input_transcript.delta', delta: 'delegate from v1' },
            { type: 'conversation.handoff.requested', handoff_id: 'handoff_v1', item_id: 'item_v1', input_transcript: 'delegate from v1' },
          ],
          [],
        ],
      },
    ],
  });
  const { started } = await startWebrtc(h);
  assert.equal(started.version, 'v1');

  const turnStarted = await h.c.readUntilNotification<{ threadId: string }>('turn/started');
  assert.equal(turnStarted.params.threadId, h.threadId);
  const turnCompleted = await h.c.readUntilNotification<{ threadId: string }>('turn/completed');
  assert.equal(turnCompleted.params.threadId, h.threadId);

  assert.equal(h.mock.requests.length, 1);
  assert.ok(requestText(h.mock.requests[0]!.body).includes('user: delegate from v1'), `delegated Responses request should contain realtime text: ${requestText(h.mock.requests[0]!.body)}`);
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), {
    type: 'conversation.handoff.append',
    handoff_id: 'handoff_v1',
    output_text: '"Agent Final Message":\n\ndelegated from v1',
  });
  // The v1 handoff item carries the transcript that led to it.
  const handoff = await h.c.readUntilNotification<{ item: Record<string, unknown> }>('thread/realtime/itemAdded', (p) => p.item.type === 'handoff_request');
  assert.deepEqual(handoff.params.item.active_transcript, [{ role: 'user', text: 'delegate from v1' }]);
});

test('webrtc_v2_background_agent_tool_call_delegates_and_returns_function_output', async (t) => {
  const h = await realtimeHarness(t, {
    responses: [sse.message('delegated from v2')],
    // Kept open after the script (the default closes it), so a second output could still be seen.
    sideband: [{ batches: [[sessionUpdated('sess_v2_tool'), backgroundAgentCall('call_v2', 'delegate from v2')], [], [], []], closeAfterRequests: false }],
  });
  const { started } = await startWebrtc(h);
  assert.equal(started.version, 'v2');
  assert.equal((await h.c.readUntilNotification<{ threadId: string }>('turn/started')).params.threadId, h.threadId);
  assert.equal((await h.c.readUntilNotification<{ threadId: string }>('turn/completed')).params.threadId, h.threadId);

  assert.equal(h.mock.requests.length, 1);
  assert.ok(requestText(h.mock.requests[0]!.body).includes('delegate from v2'), `delegated Responses request should contain tool prompt: ${requestText(h.mock.requests[0]!.body)}`);
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), progressUpdate('delegated from v2'));
  assert.deepEqual(await h.realtime.waitForRequest(0, 2), functionCallOutput('call_v2', 'delegated from v2'));
  assert.deepEqual(await h.realtime.waitForRequest(0, 3), { type: 'response.create' });
  // Barrier: our own text is the next frame, so exactly one function_call_output was sent before it.
  await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'barrier' });
  assert.deepEqual(await h.realtime.waitForRequest(0, 4), userTextItem('barrier'));
  assert.equal(functionCallOutputs(h).length, 1);
});

test('webrtc_v2_background_agent_steering_ack_requests_response_create', async (t) => {
  const gate = createGate();
  const h = await realtimeHarness(t, {
    responses: [sse.gated(sse.message('first task finished'), gate, 0), sse.message('first task finished')],
    sideband: [
      {
        batches: [
          [sessionUpdated('sess_v2_steering_ack'), backgroundAgentCall('call_active', 'start a task'), backgroundAgentCall('call_steer', 'steer the active task')],
          [],
          [],
          [],
          [],
        ],
      },
    ],
  });
  const { started } = await startWebrtc(h);
  assert.equal(started.version, 'v2');
  const update = await h.realtime.waitForRequest(0, 0);
  assert.equal(update.type, 'session.update');
  assert.equal((await h.c.readUntilNotification<{ threadId: string }>('turn/started')).params.threadId, h.threadId);

  // The second call arrives while the first task runs: acknowledged at once, then response.create.
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), functionCallOutput('call_steer', STEERING_ACKNOWLEDGEMENT));
  assert.deepEqual(await h.realtime.waitForRequest(0, 2), { type: 'response.create' });
  assert.equal(gate.isOpen, false, 'the acknowledgement must not wait for the delegated turn');

  gate.open();
  assert.equal((await h.c.readUntilNotification<{ threadId: string }>('turn/completed')).params.threadId, h.threadId);
  assert.equal(h.mock.requests.length, 2);
  assert.ok(requestText(h.mock.requests[1]!.body).includes('steer the active task'), `follow-up Responses request should contain steering prompt: ${requestText(h.mock.requests[1]!.body)}`);
});

test('webrtc_v2_background_agent_progress_is_sent_before_function_output', async (t) => {
  const h = await realtimeHarness(t, {
    responses: [sse.message('progress before final')],
    sideband: [{ batches: [[sessionUpdated('sess_v2_progress_before_final'), backgroundAgentCall('call_progress_order', 'stream progress')], [], []] }],
  });
  const { started } = await startWebrtc(h);
  assert.equal(started.version, 'v2');
  assert.equal((await h.c.readUntilNotification<{ threadId: string }>('turn/completed')).params.threadId, h.threadId);
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), progressUpdate('progress before final'));
  assert.deepEqual(await h.realtime.waitForRequest(0, 2), functionCallOutput('call_progress_order', 'progress before final'));
});

test('webrtc_v2_tool_call_delegated_turn_can_execute_shell_tool', async (t) => {
  const h = await realtimeHarness(t, {
    sandbox: 'danger-full-access',
    responses: [sse.shellCommand('printf realtime-tool-ok', 'shell_call', { timeout_ms: 5000 }), sse.message('shell tool finished')],
    // Kept open after the script (the default closes it), so a second output could still be seen.
    sideband: [{ batches: [[sessionUpdated('sess_v2_shell'), backgroundAgentCall('call_shell', 'run shell through delegated turn')], [], []], closeAfterRequests: false }],
  });
  await startWebrtc(h);

  const startedCommand = await h.c.readUntilNotification<TurnParams>('item/started', (p) => p.item.type === 'commandExecution');
  assert.deepEqual([startedCommand.params.item.id, startedCommand.params.item.status], ['shell_call', 'inProgress']);
  const completedCommand = await h.c.readUntilNotification<TurnParams>('item/completed', (p) => p.item.type === 'commandExecution');
  assert.equal(completedCommand.params.item.id, 'shell_call');
  assert.equal(completedCommand.params.item.status, 'completed');
  assert.equal(completedCommand.params.item.aggregatedOutput, 'realtime-tool-ok');

  assert.equal((await h.c.readUntilNotification<{ threadId: string }>('turn/completed')).params.threadId, h.threadId);
  assert.equal(h.mock.requests.length, 2);
  assert.ok(requestText(h.mock.requests[1]!.body).includes('realtime-tool-ok'), `follow-up Responses request should contain shell output: ${requestText(h.mock.requests[1]!.body)}`);
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), progressUpdate('shell tool finished'));
  assert.deepEqual(await h.realtime.waitForRequest(0, 2), functionCallOutput('call_shell', 'shell tool finished'));
  assert.deepEqual(await h.realtime.waitForRequest(0, 3), { type: 'response.create' });
  // Barrier: our own text is the next frame, so exactly one function_call_output was sent before it.
  await h.c.request('thread/realtime/appendText', { threadId: h.threadId, text: 'barrier' });
  assert.deepEqual(await h.realtime.waitForRequest(0, 4), userTextItem('barrier'));
  assert.equal(functionCallOutputs(h).length, 1);
});

test('webrtc_v2_tool_call_does_not_block_sideband_audio', async (t) => {
  const gate = createGate();
  const h = await realtimeHarness(t, {
    responses: [sse.gated(sse.message('late delegated result'), gate, 0)],
    sideband: [
      {
        batches: [[sessionUpdated('sess_v2_nonblocking'), backgroundAgentCall('call_audio', 'delegate while audio continues'), audioDelta('CQoL', 256)], [], []],
      },
    ],
  });
  await startWebrtc(h);
  await h.c.readUntilNotification('turn/started');
  // The delegated turn is held at the gate; audio must still reach the client.
  const audio = await h.c.readUntilNotification<{ audio: { data: string } }>('thread/realtime/outputAudio/delta');
  assert.equal(audio.params.audio.data, 'CQoL');
  assert.equal(gate.isOpen, false);

  gate.open();
  assert.equal((await h.c.readUntilNotification<{ threadId: string }>('turn/completed')).params.threadId, h.threadId);
  assert.deepEqual(await h.realtime.waitForRequest(0, 1), progressUpdate('late delegated result'));
  assert.deepEqual(await h.realtime.waitForRequest(0, 2), functionCallOutput('call_audio', 'late delegated result'));
});
