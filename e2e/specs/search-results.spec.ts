import { expect, test, type APIRequestContext, type Request } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiHeaders, serverStateFile } from '../fixtures/auth';

// The sidebar's search as you type (issue 12): a term replaced by a newer one has its in-flight requests
// cancelled — the title list's and "In messages"' alike — and never shows its results; "In messages" loads older
// results as you scroll, each thread once. The threads are Codex rollouts this spec writes itself into the
// server's live-synced Codex home (fixtures/start-server.mjs --codex-home).

const codexHome = (): string => (JSON.parse(readFileSync(serverStateFile(process.env.E2E_PORT ?? 3199), 'utf8')) as { codexHome: string }).codexHome;

/** A unique lowercase word per run: other specs share the server, so nothing else holds it. */
const word = (stem: string) => `${stem}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * One finished Codex session (a question and its answer) as a rollout in today's day folder, the shapes
 * server/services/import/codex-rollout.ts reads. Written aside and renamed, so the live sync never sees half of it.
 */
function writeRollout(home: string, question: string, answer: string, at: Date): string {
  const id = randomUUID();
  const pad = (n: number) => String(n).padStart(2, '0');
  const dir = path.join(home, 'sessions', String(at.getFullYear()), pad(at.getMonth() + 1), pad(at.getDate()));
  mkdirSync(dir, { recursive: true });
  const ts = at.toISOString();
  const turn = `${id}-turn`;
  const lines = [
    { timestamp: ts, type: 'session_meta', payload: { id, timestamp: ts, cwd: '/tmp', cli_version: '0.169.0', source: 'cli', model_provider: 'openai' } },
    { timestamp: ts, type: 'event_msg', payload: { type: 'task_started', turn_id: turn } },
    { timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', item: { type: 'UserMessage', id: `${id}-u`, content: [{ type: 'text', text: question }] } } },
    { timestamp: ts, type: 'event_msg', payload: { type: 'item_completed', item: { type: 'AgentMessage', id: `${id}-a`, content: [{ type: 'text', text: answer }] } } },
    { timestamp: ts, type: 'event_msg', payload: { type: 'task_complete', turn_id: turn } },
  ];
  const name = `rollout-${ts.slice(0, 19).replace(/:/g, '-')}-${id}.jsonl`;
  writeFileSync(path.join(dir, `.${name}.tmp`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  renameSync(path.join(dir, `.${name}.tmp`), path.join(dir, name));
  return id;
}

/** The ids of the threads thread.search finds for a term, straight from the server (non-batched GET). */
async function searchIds(request: APIRequestContext, searchTerm: string): Promise<string[]> {
  const input = encodeURIComponent(JSON.stringify({ searchTerm, limit: 100, archived: false }));
  const res = await request.get(`/api/trpc/thread.search?input=${input}`, { headers: apiHeaders() });
  if (!res.ok()) throw new Error(`thread.search failed: ${res.status()} ${await res.text()}`);
  const body = (await res.json()) as { result: { data: { data: { thread: { id: string } }[] } } };
  return body.result.data.data.map((r) => r.thread.id).sort();
}

/** Waits until the live sync imported the seeded threads and the index finds exactly them. */
async function expectIndexed(request: APIRequestContext, term: string, ids: string[]): Promise<void> {
  await expect.poll(() => searchIds(request, term), { timeout: 10_000 }).toEqual([...ids].sort());
}

/** The tRPC procedures one browser request carries (the httpBatchLink joins them with commas). */
const procedures = (r: Request): string[] => new URL(r.url()).pathname.replace(/^\/api\/trpc\//, '').split(',');
const carriesTerm = (r: Request, term: string) => decodeURIComponent(r.url()).includes(`"searchTerm":"${term}"`);

test('a superseded query is cancelled: the replaced term’s requests are aborted and its results never show', async ({ page, request }) => {
  const first = word('kestrel');
  const second = word('osprey');
  const now = Date.now();
  const firstId = writeRollout(codexHome(), `Where does the ${first} nest?`, `The ${first} nests on sea cliffs.`, new Date(now - 2000));
  const secondId = writeRollout(codexHome(), `Where does the ${second} nest?`, `The ${second} nests in tall dead trees.`, new Date(now - 1000));
  await expectIndexed(request, first, [firstId]);
  await expectIndexed(request, second, [secondId]);

  // Every request of the first term is held for 2 s before it goes on to the server; each one's outcome is kept.
  const held: Request[] = [];
  const releases: Promise<void>[] = [];
  const outcome = new Map<Request, string>();
  page.on('requestfinished', (r) => outcome.set(r, 'finished'));
  page.on('requestfailed', (r) => outcome.set(r, `failed: ${r.failure()?.errorText ?? '?'}`));
  await page.route(
    (url) => url.pathname.startsWith('/api/trpc/'),
    async (route) => {
      if (!carriesTerm(route.request(), first)) return route.continue();
      held.push(route.request());
      const release = new Promise<void>((r) => setTimeout(r, 2000)).then(() => route.continue().catch(() => {}));
      releases.push(release);
      await release;
    },
  );

  await page.goto('/');
  const list = page.getByRole('list', { name: 'Thread list' });
  await expect(list.getByRole('listitem').first()).toBeVisible();
  const hits = page.getByRole('region', { name: 'In messages' }).getByTestId('message-hit');

  // The first term: both the title list's and "In messages"' requests for it are sent (and held).
  const search = page.getByLabel('Search threads');
  await search.fill(first);
  await expect.poll(() => held.flatMap(procedures).sort(), { timeout: 5_000 }).toEqual(['thread.list', 'thread.search']);
  expect(held.filter((r) => outcome.has(r)), 'the first term’s requests are still in flight').toEqual([]);

  // A newer term replaces it before its answers come: the page shows the newer term's results.
  await search.fill(second);
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByText(`Where does the ${second} nest?`)).toBeVisible();
  await expect(hits).toHaveCount(1);
  await expect(hits.first()).toContainText(second);

  // Once the held requests would have been answered, each of them was cancelled by the page, not answered.
  await Promise.all(releases);
  await expect.poll(() => held.every((r) => outcome.has(r)), { timeout: 5_000 }).toBe(true);
  expect(held.map((r) => `${procedures(r).join(',')}: ${outcome.get(r)}`)).toEqual(held.map((r) => `${procedures(r).join(',')}: failed: net::ERR_ABORTED`));

  // And the first term's results never show, even now that its requests are over.
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(hits).toHaveCount(1);
  await expect(page.getByRole('navigation', { name: 'Threads' }).getByText(first)).toHaveCount(0);
  await expect(hits.first()).toContainText(second);
  await expect(hits.first().getByRole('link')).toHaveAttribute('href', `/t/${secondId}?q=${second}`);
});

test('"In messages" loads older results as you scroll, each thread once', async ({ page, request }) => {
  // 45 threads whose answer (not their title) holds the word: three pages of 20 for "In messages".
  const term = word('albatross');
  const now = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < 45; i++) {
    ids.push(writeRollout(codexHome(), `Seabird question ${i}`, `Answer ${i}: the ${term} glides for hours without a wingbeat.`, new Date(now - (45 - i) * 1000)));
  }
  await expectIndexed(request, term, ids);

  await page.goto('/');
  const list = page.getByRole('list', { name: 'Thread list' });
  await expect(list.getByRole('listitem').first()).toBeVisible();
  const searched = page.waitForRequest((r) => r.url().includes('thread.search') && carriesTerm(r, term));
  await page.getByLabel('Search threads').fill(term);
  await searched;
  await expect(page.getByText(`No thread title contains “${term}”.`)).toBeVisible();

  // The first page only, until the end of the list is scrolled to.
  const hits = page.getByRole('region', { name: 'In messages' }).getByTestId('message-hit');
  await expect(hits).toHaveCount(20);
  const sidebar = page.getByRole('navigation', { name: 'Threads' });
  await expect
    .poll(
      async () => {
        await sidebar.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        return hits.count();
      },
      { timeout: 15_000 },
    )
    .toBe(45);

  // Every seeded thread, each once, and nothing else.
  const hrefs = await hits.getByRole('link').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  const shown = hrefs.map((h) => /^\/t\/([0-9a-f-]+)\?q=/.exec(h)?.[1] ?? h);
  expect(new Set(shown).size).toBe(shown.length);
  expect([...shown].sort()).toEqual([...ids].sort());
});
