import { expect, test } from '@playwright/test';
import { trpcMutation } from '../fixtures/api';

test('create, rename and find threads by title through the server search', async ({ page, request }) => {
  // An old thread, far beyond the first page (50 rows): only the server's search can surface it.
  const buried = await trpcMutation<{ id: string }>(request, 'thread.start', {});
  await trpcMutation(request, 'thread.setName', { threadId: buried.id, name: 'Zebra migration plan' });
  for (let i = 0; i < 70; i++) {
    const t = await trpcMutation<{ id: string }>(request, 'thread.start', {});
    await trpcMutation(request, 'thread.setName', { threadId: t.id, name: `Filler thread ${i}` });
  }

  await page.goto('/');
  const list = page.getByRole('list', { name: 'Thread list' });
  await expect(list.getByRole('listitem').first()).toBeVisible();
  await expect(list.getByText('Zebra migration plan')).toHaveCount(0);

  // Create two threads and rename them inline.
  for (const name of ['Needle in the parser', 'Haystack cleanup']) {
    await page.getByRole('button', { name: 'New thread' }).click();
    await page.waitForURL(/\/t\/[0-9a-f-]+$/);
    // The new thread is open and shown as the draft row (not listed until it has a message or a name).
    const active = list.locator('.thread-row.active.draft');
    await expect(active).toHaveCount(1);
    await active.getByRole('button', { name: /^Rename/ }).click();
    await page.getByLabel('Thread name').fill(name);
    await page.getByRole('button', { name: 'Save' }).click();
    await expect(list.getByText(name, { exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  }

  // Search: only the matching thread remains, answered by a server request carrying the term.
  const searched = page.waitForRequest((r) => r.url().includes('thread.list') && decodeURIComponent(r.url()).includes('"searchTerm":"Needle"'));
  await page.getByLabel('Search threads').fill('Needle');
  await searched;
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByText('Needle in the parser')).toBeVisible();
  await expect(list.locator('mark')).toHaveText('Needle');

  // Case-sensitive like the reference: "needle" matches nothing.
  await page.getByLabel('Search threads').fill('needle');
  await expect(page.getByText('No thread title contains “needle”.')).toBeVisible();

  // The buried thread was never loaded by the page; the server finds it.
  await page.getByLabel('Search threads').fill('Zebra');
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByText('Zebra migration plan')).toBeVisible();

  // Archive hides it from the default list; the archived view shows it; restore brings it back.
  await list.getByRole('button', { name: 'Archive Zebra migration plan' }).click();
  await expect(list.getByRole('listitem')).toHaveCount(0);
  await page.getByRole('tab', { name: 'Archived' }).click();
  await expect(list.getByText('Zebra migration plan')).toBeVisible();
  await list.getByRole('button', { name: 'Restore Zebra migration plan' }).click();
  await expect(list.getByRole('listitem')).toHaveCount(0);
  await page.getByRole('tab', { name: 'Active' }).click();
  await expect(list.getByText('Zebra migration plan')).toBeVisible();

  await page.getByLabel('Search threads').fill('');
  await expect(list.getByRole('listitem')).toHaveCount(50);
  await expect(list.getByText('Zebra migration plan')).toHaveCount(0);
  await page.screenshot({ path: 'e2e/artifacts/sidebar.png' });

  // Infinite scroll: scrolling the sidebar loads the next page from the server.
  await page.getByRole('navigation', { name: 'Threads' }).evaluate((el) => el.scrollTo(0, el.scrollHeight));
  // (Other specs share this server, so count relative to the first page rather than a fixed total.)
  await expect.poll(() => list.getByRole('listitem').count(), { timeout: 10_000 }).toBeGreaterThan(50);
});
