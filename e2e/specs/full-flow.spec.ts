import { expect, test } from '@playwright/test';
import { conversation, finishedConversation, sendPrompt } from '../fixtures/app';

test('create a thread, watch the answer stream, approve a command, find it by search, reload', async ({ page }) => {
  test.setTimeout(60_000);
  // No React hydration mismatch or other runtime error along the way.
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto('/');
  await page.getByRole('button', { name: 'New thread' }).click();
  await page.waitForURL(/\/t\/[0-9a-f-]+$/);
  const threadUrl = page.url();
  await expect(page.getByTestId('connection')).toHaveText('Live');

  // The answer streams in: its text is seen growing before the turn completes.
  await sendPrompt(page, 'Explain what this workspace is for');
  const list = conversation(page);
  await expect(list.getByTestId('user-message')).toHaveText(/Explain what this workspace is for/);
  const answer = list.getByTestId('agent-message').first();
  const lengths = new Set<number>();
  await expect
    .poll(
      async () => {
        lengths.add(((await answer.textContent({ timeout: 500 }).catch(() => '')) ?? '').length);
        return (await list.getByTestId('turn-status').last().textContent()) ?? '';
      },
      { intervals: [30], timeout: 20_000 },
    )
    .toBe('Done');
  expect([...lengths].filter((n) => n > 0).length).toBeGreaterThan(2);
  // Markdown is rendered (a heading and emphasis), the reasoning summary is collapsed.
  await expect(answer.getByRole('heading', { name: 'Offline demo' })).toBeVisible();
  await expect(answer.locator('strong').first()).toBeVisible();
  const reasoning = list.getByTestId('reasoning').first();
  await expect(reasoning).not.toHaveAttribute('open', '');
  await expect(list.getByTestId('token-usage').first()).toContainText('tokens');

  // A command asks for approval; approving runs it and its output shows up.
  await sendPrompt(page, 'Run a command to show me the files here');
  const approval = page.getByRole('group', { name: 'Run this command?' });
  await expect(approval).toBeVisible({ timeout: 10_000 });
  await expect(approval).toContainText('ls -la && git status --short || true');
  await page.screenshot({ path: 'e2e/artifacts/thread-approval.png' });
  await approval.getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(approval).toHaveCount(0);
  const command = list.getByTestId('command').last();
  await expect(command.getByLabel('Command output')).toContainText(/total \d+/, { timeout: 15_000 });
  await expect(command.getByTestId('exit-code')).toHaveText(/exit \d+/);
  await expect(command).toContainText(/\d+(\.\d+)? m?s/);
  const before = await finishedConversation(page);
  expect(before).toContain('I ran');
  await page.screenshot({ path: 'e2e/artifacts/thread.png' });

  // Find it again by search from the home page; Enter in the search box opens the first match.
  await page.goto('/');
  const rows = page.getByRole('list', { name: 'Thread list' }).getByRole('listitem');
  await expect(rows.first()).toBeVisible();
  await page.keyboard.press('Control+K');
  await expect(page.getByLabel('Search threads')).toBeFocused();
  await page.keyboard.type('workspace is for');
  await expect(rows).toHaveCount(1);
  await expect(rows.locator('mark')).toHaveText('workspace is for');
  // Arrow keys move into the list; Enter opens the focused thread.
  await page.keyboard.press('ArrowDown');
  await expect(rows.first().getByRole('link')).toBeFocused();
  await page.keyboard.press('Enter');
  await page.waitForURL(threadUrl);

  // Reload: the same history, rebuilt by the server.
  await page.reload();
  await expect(page.getByTestId('connection')).toHaveText('Live');
  expect(await finishedConversation(page)).toBe(before);
  expect(consoleErrors).toEqual([]);
});

test('a failed turn shows its error and a Retry that runs it again', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'New thread' }).click();
  await page.waitForURL(/\/t\/[0-9a-f-]+$/);
  await sendPrompt(page, 'Please [e2e:fail] now');
  const list = conversation(page);
  await expect(list.getByRole('alert')).toContainText('failed on purpose');
  await expect(list.getByTestId('turn-status')).toHaveText('Failed');
  await list.getByRole('button', { name: 'Retry' }).click();
  await expect(list.getByTestId('turn')).toHaveCount(2);
  await expect(list.getByTestId('turn-status').last()).toHaveText('Failed');
});
