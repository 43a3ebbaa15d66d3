import { expect, test } from '@playwright/test';

test('settings: provider and model shown, API-key sign-in never echoes the key, sign out', async ({ page }) => {
  const key = `sk-e2e-${Date.now()}-secret`;
  const bodies: string[] = [];
  page.on('response', async (res) => {
    if (res.url().includes('/api/trpc')) bodies.push(await res.text().catch(() => ''));
  });
  page.on('websocket', (ws) => ws.on('framereceived', (f) => bodies.push(String(f.payload))));

  await page.goto('/settings');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.getByTestId('provider')).toContainText('Mock provider for test');
  await expect(page.getByTestId('model')).toHaveText('mock-model');

  const input = page.getByLabel('API key');
  await expect(input).toHaveAttribute('type', 'password');
  await input.fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in')).toHaveText('Yes, with an API key');
  await expect(page.getByLabel('API key')).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId('signed-in')).toHaveText('Yes, with an API key');
  expect(await page.content()).not.toContain(key);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByLabel('API key')).toBeVisible();
  await expect(page.getByTestId('signed-in')).not.toHaveText(/Yes/);
  expect(bodies.length).toBeGreaterThan(0);
  expect(bodies.filter((b) => b.includes(key))).toEqual([]);
});
