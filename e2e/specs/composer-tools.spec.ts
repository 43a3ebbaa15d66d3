import { expect, test } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trpcMutation } from '../fixtures/api';
import { conversation, createThread, finishedConversation, openThread, sendPrompt } from '../fixtures/app';

test('while a turn runs, Enter steers it and Stop interrupts it', async ({ page, request }) => {
  const threadId = await createThread(request, 'Steer and stop');
  await openThread(page, threadId);
  await sendPrompt(page, 'Write slowly please [e2e:slow]');
  const list = conversation(page);
  await expect(list.getByTestId('agent-message')).toContainText('Slow and steady');
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Message' })).toHaveAttribute('placeholder', /Steer/);

  // Sending again steers the running turn: the message is queued into it, no second turn starts.
  await sendPrompt(page, 'Also mention the ring buffer');
  await expect(list.getByTestId('pending-steer')).toHaveText(/Also mention the ring buffer/);
  await expect(list.getByTestId('turn')).toHaveCount(1);

  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(list.getByTestId('turn-status')).toHaveText('Interrupted', { timeout: 10_000 });
  await expect(list.getByTestId('pending-steer')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Send', exact: true })).toBeVisible();
});

test('per-thread settings, a patch shown as a diff and approved, a plan as a checklist', async ({ page, request }) => {
  test.setTimeout(60_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'codex-web-e2e-ws-'));
  try {
    const thread = await trpcMutation<{ id: string }>(request, 'thread.start', { cwd: dir });
    await openThread(page, thread.id);

    // Let this thread write in its workspace (the server default here is read-only).
    await page.getByText('Thread settings').click();
    await expect(page.getByLabel('Sandbox')).toHaveValue('read-only');
    await page.getByLabel('Sandbox').selectOption('workspace-write');
    await expect(page.getByLabel('Sandbox')).toHaveValue('workspace-write');
    await expect(page.getByLabel('Approvals')).toHaveValue('untrusted');
    await page.reload();
    await page.getByText('Thread settings').click();
    await expect(page.getByLabel('Sandbox')).toHaveValue('workspace-write');
    await page.getByText('Thread settings').click();

    await sendPrompt(page, 'Edit the project: add a demo file with a patch');
    const approval = page.getByRole('group', { name: 'Apply these changes?' });
    await expect(approval).toBeVisible({ timeout: 10_000 });
    const change = conversation(page).getByTestId('file-change');
    await expect(change.getByLabel(/^Diff of .*codex-web-demo\.txt$/)).toContainText('+Hello from Codex Web!');
    await page.screenshot({ path: 'e2e/artifacts/patch-approval.png' });
    await approval.getByRole('button', { name: 'Approve', exact: true }).click();
    await expect(change.getByText('Done')).toBeVisible({ timeout: 10_000 });
    await finishedConversation(page);
    expect(readFileSync(path.join(dir, 'codex-web-demo.txt'), 'utf8')).toContain('Hello from Codex Web!');

    await sendPrompt(page, 'Make a plan for adding a dark mode');
    const plan = conversation(page).getByTestId('plan');
    await expect(plan.getByRole('listitem')).toHaveCount(3);
    await expect(plan.getByRole('listitem').first()).toContainText('(completed)');
    await expect(plan.getByRole('listitem').nth(1)).toContainText('(in progress)');
    await finishedConversation(page);
    await page.screenshot({ path: 'e2e/artifacts/patch-and-plan.png', fullPage: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
