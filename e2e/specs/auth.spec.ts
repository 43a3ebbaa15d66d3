import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { e2eAuth } from '../fixtures/auth';

// A fresh browser: none of the session cookie global-setup saved.
test.use({ storageState: { cookies: [], origins: [] } });

/** Opens a WebSocket from the page and reports whether the server accepted the upgrade. */
function openSocket(page: Page, url: string): Promise<'open' | 'refused'> {
  return page.evaluate(
    (u) =>
      new Promise<'open' | 'refused'>((resolve) => {
        const ws = new WebSocket(u);
        ws.onopen = () => {
          ws.close();
          resolve('open');
        };
        ws.onerror = () => resolve('refused');
      }),
    url,
  );
}

test('without the token the app, /api/trpc and /rpc refuse; the login link lands on the app', async ({ page, playwright }) => {
  const { baseURL, loginLink } = e2eAuth();
  const wsBase = baseURL.replace(/^http/, 'ws');

  const res = await page.goto('/');
  expect(res?.status()).toBe(401);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Codex Web' })).toBeVisible();
  await expect(page.getByLabel('Access token')).toBeVisible();
  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
  await page.screenshot({ path: 'e2e/artifacts/login-required.png' });

  const anonymous = await playwright.request.newContext({ baseURL });
  const list = await anonymous.get(`/api/trpc/thread.list?input=${encodeURIComponent('{}')}`);
  expect(list.status()).toBe(401);
  await anonymous.dispose();
  expect(await openSocket(page, `${wsBase}/rpc`)).toBe('refused');
  expect(await openSocket(page, `${wsBase}/api/trpc`)).toBe('refused');

  await page.goto(loginLink);
  await expect(page).toHaveURL(`${baseURL}/`);
  await expect(page.getByRole('list', { name: 'Thread list' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Sign in to Codex Web' })).toHaveCount(0);
  // Signed in, the same page may open the live channel.
  expect(await openSocket(page, `${wsBase}/api/trpc`)).toBe('open');
});

test('a browser signed in through the token field still cannot open a WebSocket from another site', async ({ page }) => {
  const { baseURL, token } = e2eAuth();
  await page.goto('/');
  await page.getByLabel('Access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${baseURL}/`);
  await expect(page.getByRole('list', { name: 'Thread list' })).toBeVisible();

  await page.route('http://evil.example/**', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>elsewhere</title>' }));
  await page.goto('http://evil.example/');
  expect(await openSocket(page, `${baseURL.replace(/^http/, 'ws')}/api/trpc`)).toBe('refused');
});
