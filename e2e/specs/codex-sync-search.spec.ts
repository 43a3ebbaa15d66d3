import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { referencePaths } from '../../scripts/ensure-reference.mjs';
import { startMockResponsesServer } from '../../testkit/mock-responses-server';
import { startReferenceAppServer } from '../../testkit/reference-app-server';
import { sse } from '../../testkit/responses-sse';
import { conversation } from '../fixtures/app';
import { serverStateFile } from '../fixtures/auth';

// The e2e server runs with --codex-home (fixtures/start-server.mjs). The reference app-server (0.169, a mock
// provider) writes a Codex session there while a tab is open: it appears in the sidebar, grows in the open
// thread without a reload, reads as read-only while written, and its words are found "In messages".
test('a Codex CLI session written while serve runs appears live, then its answer is found and revealed', async ({ page }) => {
  test.setTimeout(90_000);
  const { codexHome } = JSON.parse(readFileSync(serverStateFile(process.env.E2E_PORT ?? 3199), 'utf8')) as { codexHome: string };
  const mock = await startMockResponsesServer();
  const ref = await startReferenceAppServer({ codex: referencePaths().codex, home: codexHome, providerUrl: mock.url });
  try {
    await page.goto('/');
    const list = page.getByRole('list', { name: 'Thread list' });
    await expect(list.getByRole('listitem').first().or(page.getByText('No threads yet.'))).toBeVisible();

    mock.enqueue(sse.message('First synced answer about the Wombat burrow.'), sse.message('A later answer mentions the Quetzal feather twice: Quetzal.'));
    const id = (await ref.request<{ thread: { id: string } }>('thread/start', { cwd: codexHome })).thread.id;
    await ref.turn(id, 'Where do wombats live? (synced)');
    // In the open tab's sidebar within 2 s, no reload.
    await expect(list.getByText('Where do wombats live? (synced)')).toBeVisible({ timeout: 2500 });
    await list.getByText('Where do wombats live? (synced)').click();
    await expect(conversation(page).getByTestId('agent-message')).toHaveText(/Wombat burrow/);
    await expect(page.getByText(/The Codex CLI is writing this session/)).toBeVisible({ timeout: 4000 });

    // The CLI goes on: the open thread grows by a turn, live.
    await ref.turn(id, 'And the quetzal?');
    await expect(conversation(page).getByTestId('agent-message').last()).toHaveText(/Quetzal feather/, { timeout: 2500 });

    // Search by a word of the answer: the title list has nothing, "In messages" has the thread with its snippet.
    await page.goto('/');
    const searched = page.waitForRequest((r) => r.url().includes('thread.search') && decodeURIComponent(r.url()).includes('"searchTerm":"quetzal"'));
    await page.getByLabel('Search threads').fill('quetzal');
    await searched;
    const hits = page.getByRole('region', { name: 'In messages' }).getByTestId('message-hit');
    await expect(hits).toHaveCount(1);
    await expect(hits.first().locator('mark').first()).toHaveText(/^quetzal$/i);
    await hits.first().click();
    await page.waitForURL(new RegExp(`/t/${id}\\?q=quetzal$`));
    // The occurrence is scrolled to and marked.
    const hit = page.locator('.search-hit-item');
    await expect(hit).toHaveCount(1);
    await expect(hit).toContainText(/quetzal/i);
    await expect(hit).toBeInViewport();
  } finally {
    await ref.close();
    await mock.close();
  }
});
