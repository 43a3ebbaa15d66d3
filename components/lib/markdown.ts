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

const purify = typeof window === 'undefined' ? null : DOMPurify(window);
if (purify) {
  // Links from a model open in a new tab and never get the opener.
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
}

/** One block as sanitized HTML. Without a DOM (server render) only escaped text is returned. */
export function renderBlock(block: MarkdownBlock): string {
  if (!purify) return `<p>${escapeHtml(block.raw)}</p>`;
  const html = marked.parser([block.token]);
  return purify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'button', 'iframe'], FORBID_ATTR: ['style'] });
}
