import { expect, test } from '@playwright/test';
import { conversation, createThread, finishedConversation, openThread, sendPrompt } from '../fixtures/app';

test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });

test('on a 375 px phone: open a thread from the list and approve a command', async ({ page, request }) => {
  test.setTimeout(60_000);
  const threadId = await createThread(request, 'Phone approval');
  await page.goto('/');
  await page.getByRole('link', { name: /Phone approval/ }).first().click();
  await page.waitForURL(`**/t/${threadId}`);
  await openThread(page, threadId);

  await sendPrompt(page, 'Run a command to list the files');
  const approval = page.getByRole('group', { name: 'Run this command?' });
  await expect(approval).toBeVisible({ timeout: 10_000 });
  await approval.scrollIntoViewIfNeeded();
  // Nothing is wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await page.screenshot({ path: 'e2e/artifacts/phone-approval.png' });
  await approval.getByRole('button', { name: 'Approve', exact: true }).tap();
  await expect(conversation(page).getByTestId('command').getByLabel('Command output')).toContainText(/total \d+/, { timeout: 15_000 });
  await finishedConversation(page);
  await page.screenshot({ path: 'e2e/artifacts/phone-thread.png' });

  // Back to the list.
  await page.getByRole('link', { name: '← Threads' }).tap();
  await expect(page.getByRole('list', { name: 'Thread list' })).toBeVisible();
  await page.screenshot({ path: 'e2e/artifacts/phone-list.png' });
});
