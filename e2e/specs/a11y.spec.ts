import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { conversation, createThread, finishedConversation, openThread, sendPrompt } from '../fixtures/app';

async function seriousViolations(page: Page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} mode`, () => {
    test.use({ colorScheme });

    test('main screens have no serious or critical axe violations', async ({ page, request }) => {
      test.setTimeout(60_000);
      const threadId = await createThread(request, `Accessibility check (${colorScheme})`);

      await page.goto('/');
      await expect(page.getByRole('list', { name: 'Thread list' }).getByRole('listitem').first()).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: `e2e/artifacts/home-${colorScheme}.png` });

      // A thread with an answer, a finished command and a pending approval on screen.
      await openThread(page, threadId);
      await sendPrompt(page, 'Explain what this workspace is for');
      await finishedConversation(page);
      await sendPrompt(page, 'Run a command to show me the files here');
      const approval = page.getByRole('group', { name: 'Run this command?' });
      await expect(approval).toBeVisible({ timeout: 10_000 });
      expect(await seriousViolations(page)).toEqual([]);
      await approval.getByRole('button', { name: 'Approve', exact: true }).click();
      await finishedConversation(page);
      await conversation(page).getByTestId('reasoning').first().locator('summary').click();
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: `e2e/artifacts/thread-${colorScheme}.png` });

      await page.getByText('Thread settings').click();
      await expect(page.getByLabel('Approvals')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: `e2e/artifacts/thread-settings-${colorScheme}.png` });

      await page.goto('/settings');
      await expect(page.getByTestId('provider')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: `e2e/artifacts/settings-${colorScheme}.png` });
    });
  });
}
