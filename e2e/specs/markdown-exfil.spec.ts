// Zero-click exfiltration: a model answer (or its reasoning) carrying remote images, srcset, posters,
// <picture><source>, <audio> and friends must not make the browser fetch anything. A real HTTP server
// on 127.0.0.1 (another origin than the app) counts every request it gets; after the answer rendered
// it must have seen none. The page headers (CSP, nosniff, Referrer-Policy, frame-ancestors) are the
// second wall: checked on the response, by bypassing the sanitizer, and by framing the app from elsewhere.
import { expect, test, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { conversation, createThread, finishedConversation, sendPrompt } from '../fixtures/app';

// A 1×1 transparent PNG: what the leak server answers for images, and the `data:` image that must render.
const PIXEL_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const PIXEL = Buffer.from(PIXEL_B64, 'base64');

/** The attacker's server: counts every request except the page it serves to frame the app. */
class LeakServer {
  readonly hits: string[] = [];
  private server: Server | null = null;
  port = 0;
  appOrigin = '';

  async start(appOrigin: string): Promise<void> {
    this.appOrigin = appOrigin;
    this.server = createServer((req, res) => {
      if (req.url === '/framer.html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end(`<!doctype html><title>framer</title><iframe id="victim" src="${this.appOrigin}/" width="800" height="600"></iframe>`);
      }
      this.hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' });
      res.end(PIXEL);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(pathAndQuery: string): string {
    return `http://127.0.0.1:${this.port}${pathAndQuery}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const leak = new LeakServer();

test.beforeAll(async ({ baseURL }) => {
  await leak.start(baseURL!);
});
test.afterAll(async () => {
  await leak.stop();
});

/** Every vector, each pointing at its own path on the leak server. */
function attackMarkdown(): { message: string; reasoning: string; mdImage: string } {
  const u = (p: string) => leak.url(p);
  const mdImage = u('/leak.png?k=1');
  const message = [
    '## Exfil attempt',
    '',
    `![x](${mdImage})`,
    '',
    `Reference style: ![ref image][pic]`,
    '',
    `[pic]: ${u('/ref.png?k=1b')}`,
    '',
    `<img alt="raw img" src="${u('/img.png?k=2')}" srcset="${u('/srcset.png?k=3')} 2x, ${u('/srcset1x.png?k=3b')} 1x">`,
    '',
    `<img alt="srcset only" src="data:image/png;base64,${PIXEL_B64}" srcset="${u('/srcset-only.png?k=3c')} 1x">`,
    '',
    `<video poster="${u('/poster.png?k=4')}" src="${u('/video.mp4?k=5')}" autoplay muted preload="auto"><source src="${u('/video-source.mp4?k=5b')}"></video>`,
    '',
    `<picture><source srcset="${u('/source.png?k=6')}"><img alt="picture img" src="${u('/picture.png?k=7')}"></picture>`,
    '',
    `<audio src="${u('/audio.mp3?k=8')}" autoplay preload="auto"></audio>`,
    '',
    `<table background="${u('/background.png?k=9')}"><tr><td background="${u('/td-background.png?k=9b')}">cell</td></tr></table>`,
    '',
    `<div style="background-image:url(${u('/style.png?k=10')})">styled div</div>`,
    '',
    `<input type="image" alt="input image" src="${u('/input.png?k=11')}">`,
    '',
    `<link rel="stylesheet" href="${u('/style.css?k=12')}">`,
    '',
    `<iframe src="${u('/frame.html?k=13')}"></iframe>`,
    '',
    `<object data="${u('/object.bin?k=14')}"></object><embed src="${u('/embed.bin?k=15')}">`,
    '',
    `<form action="${u('/form?k=16')}"><button formaction="${u('/formaction?k=17')}">go</button></form>`,
    '',
    `![inline pixel](data:image/png;base64,${PIXEL_B64})`,
    '',
    '<img alt="same-origin icon" src="/icon.svg" width="32" height="32">',
    '',
    'End of the answer.',
  ].join('\n');
  const reasoning = [
    '**Thinking about images**',
    '',
    `![reasoning image](${u('/reasoning.png?k=20')})`,
    '',
    `<img alt="reasoning raw" src="${u('/reasoning-img.png?k=21')}" srcset="${u('/reasoning-srcset.png?k=22')} 2x">`,
    '',
    `<video poster="${u('/reasoning-poster.png?k=23')}"></video><audio src="${u('/reasoning-audio.mp3?k=24')}" autoplay></audio>`,
  ].join('\n');
  return { message, reasoning, mdImage };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Lets any request the page started reach the leak server before it is counted. */
async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1_000);
}

test('remote media in an answer and its reasoning is never fetched; a placeholder shows the URL', async ({ page, request, baseURL }) => {
  test.setTimeout(60_000);
  // The one report the attack may cause: the sanitizer's inert parse of `<div style=…>` (the attribute is
  // blocked there and then stripped). Anything else (a blocked script, image, media) is a failure.
  const parseReport = /^Applying inline style violates the following Content Security Policy directive 'style-src /;
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && !parseReport.test(m.text()) && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.cspViolations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
  const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations.filter((v) => !v.startsWith('style-src-attr ')));

  const threadId = await createThread(request, 'Markdown exfiltration');
  const res = await page.goto(`/t/${threadId}`);
  await expect(page.getByTestId('connection')).toHaveText('Live');

  // The page itself carries the second wall.
  const headers = res!.headers();
  const csp = headers['content-security-policy'] ?? '';
  const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.split(/\s+/)[0] === name) ?? '';
  expect(directive('default-src')).toBe("default-src 'self'");
  expect(directive('img-src')).toBe("img-src 'self' data: blob:");
  expect(directive('script-src')).toMatch(/^script-src 'self' 'nonce-[A-Za-z0-9+/_-]+={0,2}'$/);
  const host = new URL(baseURL!).host;
  expect(directive('connect-src')).toBe(`connect-src 'self' ws://${host} wss://${host}`);
  expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
  expect(directive('object-src')).toBe("object-src 'none'");
  expect(directive('base-uri')).toBe("base-uri 'none'");
  expect(directive('form-action')).toBe("form-action 'self'");
  expect(csp).not.toContain('unsafe-eval');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');

  const attack = attackMarkdown();
  await sendPrompt(page, `Show me the images [e2e:markdown ${b64url({ message: attack.message, reasoning: attack.reasoning })}]`);
  await finishedConversation(page);
  const answer = conversation(page).getByTestId('agent-message').last();
  await expect(answer).toContainText('End of the answer.');
  // Open the reasoning too (its Markdown is in the DOM either way).
  const reasoning = conversation(page).getByTestId('reasoning').last();
  await reasoning.locator('summary').click();
  await expect(reasoning.getByRole('link', { name: /reasoning\.png\?k=20/ })).toBeVisible();
  await settle(page);
  expect(leak.hits, `the browser fetched from the leak server: ${JSON.stringify(leak.hits)}`).toEqual([]);

  // A visible placeholder names the URL and opens it in a new tab, without opener or referrer.
  const placeholder = answer.getByRole('link', { name: new RegExp(attack.mdImage.replace(/[.?]/g, '\\$&')) });
  await expect(placeholder).toBeVisible();
  await expect(placeholder).toHaveAttribute('href', attack.mdImage);
  await expect(placeholder).toHaveAttribute('target', '_blank');
  await expect(placeholder).toHaveAttribute('rel', /(?=.*\bnoopener\b)(?=.*\bnoreferrer\b)/);
  for (const p of ['/ref.png?k=1b', '/img.png?k=2', '/picture.png?k=7']) {
    await expect(answer.getByRole('link', { name: new RegExp(leak.url(p).replace(/[.?]/g, '\\$&')) })).toBeVisible();
  }

  await answer.screenshot({ path: 'e2e/artifacts/markdown-exfil.png' });

  // Nothing that fetches on its own is left in the rendered Markdown.
  const leftovers = await page.locator('.markdown').evaluateAll((roots) =>
    roots.flatMap((root) =>
      Array.from(root.querySelectorAll('video, audio, source, picture, iframe, object, embed, link, form, input, [srcset], [poster], [background], [style]')).map(
        (el) => el.outerHTML,
      ),
    ),
  );
  expect(leftovers).toEqual([]);
  const remoteSrc = await page.locator('.markdown [src]').evaluateAll((els) => els.map((e) => e.getAttribute('src') ?? '').filter((s) => /^(https?:)?\/\//i.test(s)));
  expect(remoteSrc).toEqual([]);

  // A data: image and a same-origin image still render.
  const pixel = answer.getByRole('img', { name: 'inline pixel' });
  await expect(pixel).toBeVisible();
  expect(await pixel.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
  const icon = answer.getByRole('img', { name: 'same-origin icon' });
  await expect(icon).toBeVisible();
  await expect.poll(() => icon.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
  // The nonce-based CSP let the app hydrate without a single violation, and the sanitizer left the
  // browser nothing remote to even try (a try would show up as an img-src or media-src violation).
  expect(consoleErrors).toEqual([]);
  expect(await violations()).toEqual([]);

  // After a reload (history from the server, not the live stream) the same holds.
  await page.reload();
  await expect(page.getByTestId('connection')).toHaveText('Live');
  await expect(conversation(page).getByTestId('agent-message').last()).toContainText('End of the answer.');
  await settle(page);
  expect(leak.hits, `the browser fetched from the leak server after a reload: ${JSON.stringify(leak.hits)}`).toEqual([]);
  expect(consoleErrors).toEqual([]);
  expect(await violations()).toEqual([]);
});

test('the CSP blocks a remote image even if one got past the sanitizer', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('list', { name: 'Thread list' })).toBeVisible();
  const before = leak.hits.length;
  const violation = await page.evaluate(
    (src) =>
      new Promise<string>((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
        const img = document.createElement('img');
        img.src = src;
        img.onload = () => resolve('loaded');
        document.body.append(img);
      }),
    leak.url('/past-the-sanitizer.png'),
  );
  expect(violation).toBe('img-src');
  await settle(page);
  expect(leak.hits.slice(before)).toEqual([]);
});

test('a page on another origin cannot frame the app', async ({ page }) => {
  await page.goto(leak.url('/framer.html'));
  const frameEl = page.locator('#victim');
  await expect(frameEl).toBeAttached();
  // Give a frame that was allowed every chance to render the app.
  await page.waitForTimeout(2_000);
  const child = page.frames().find((f) => f !== page.mainFrame());
  expect(child).toBeDefined();
  // Blocked by frame-ancestors / X-Frame-Options, Chromium shows its own error page instead.
  expect(await child!.locator('[aria-label="Thread list"]').count()).toBe(0);
  expect(child!.url()).not.toBe(`${leak.appOrigin}/`);
});
