import { expect, test } from '@playwright/test';
import { conversation, createThread, finishedConversation, openThread, sendPrompt } from '../fixtures/app';

test('two browser contexts on one thread see each other live', async ({ page, browser, request }) => {
  test.setTimeout(60_000);
  const threadId = await createThread(request, 'Shared thread');
  const other = await browser.newContext();
  const page2 = await other.newPage();
  await openThread(page, threadId);
  await openThread(page2, threadId);

  // What the first sends, the second sees while it streams (before the turn is over).
  await sendPrompt(page, 'Tell me a story slowly [e2e:slow]');
  await expect(conversation(page2).getByTestId('user-message')).toHaveText(/Tell me a story slowly/);
  await expect(conversation(page2).getByTestId('agent-message')).toContainText('Slow and steady');
  await expect(conversation(page2).getByTestId('turn-status')).toHaveText('Working…');
  // Either side may stop or steer: the second sees the first's running turn and gets the Stop button.
  await expect(page2.getByRole('button', { name: 'Stop', exact: true })).toBeVisible();
  const first = await finishedConversation(page);
  expect(await finishedConversation(page2)).toBe(first);

  // And the other way round.
  await sendPrompt(page2, 'A second question from the other tab');
  await expect(conversation(page).getByTestId('user-message').last()).toHaveText(/A second question from the other tab/);
  const second = await finishedConversation(page2);
  expect(await finishedConversation(page)).toBe(second);
  await other.close();
});
