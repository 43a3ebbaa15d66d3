'use client';
import { memo, useMemo, useRef } from 'react';
import { markdownBlocks, renderBlock, type MarkdownBlock, type ParsedMarkdown } from './lib/markdown';

const Block = memo(
  function Block({ block }: { block: MarkdownBlock }) {
    const html = useMemo(() => renderBlock(block), [block]);
    return <div className="md-block" dangerouslySetInnerHTML={{ __html: html }} />;
  },
  (a, b) => a.block.raw === b.block.raw,
);

/** Sanitized Markdown; only blocks whose source changed re-render (streaming touches the last one). */
export function Markdown({ text }: { text: string }) {
  const last = useRef<ParsedMarkdown | null>(null);
  const parsed = useMemo(() => markdownBlocks(text, last.current), [text]);
  last.current = parsed;
  return (
    <div className="markdown">
      {parsed.blocks.map((b) => (
        <Block key={b.key} block={b} />
      ))}
    </div>
  );
}
