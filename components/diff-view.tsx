import { memo } from 'react';

type Kind = 'add' | 'delete' | 'update' | string;

function lineClass(line: string): string {
  if (line.startsWith('@@')) return 'diff-hunk';
  if (line.startsWith('+++') || line.startsWith('---')) return 'diff-file';
  if (line.startsWith('+')) return 'diff-add';
  if (line.startsWith('-')) return 'diff-del';
  return 'diff-ctx';
}

/** A unified diff, one line per row; for added or deleted files `text` is the whole content. */
export const DiffView = memo(function DiffView({ text, kind = 'update', label }: { text: string; kind?: Kind; label: string }) {
  let lines = text.replace(/\n$/, '').split('\n');
  if (kind === 'add') lines = lines.map((l) => `+${l}`);
  else if (kind === 'delete') lines = lines.map((l) => `-${l}`);
  const shown = lines.length > 2000 ? lines.slice(0, 2000) : lines;
  return (
    <pre className="diff" aria-label={label} tabIndex={0}>
      {shown.map((line, i) => (
        <span key={i} className={lineClass(line)}>
          {line || ' '}
          {'\n'}
        </span>
      ))}
      {shown.length < lines.length && <span className="diff-ctx">… {lines.length - shown.length} more lines</span>}
    </pre>
  );
});
