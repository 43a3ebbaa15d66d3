/** Marks each occurrence of `term` (case-sensitive, like the server's title search). */
export function Highlight({ text, term }: { text: string; term: string }) {
  if (!term) return <>{text}</>;
  const parts: React.ReactNode[] = [];
  let at = 0;
  for (let i = text.indexOf(term); i >= 0; i = text.indexOf(term, at)) {
    if (i > at) parts.push(text.slice(at, i));
    parts.push(<mark key={i}>{term}</mark>);
    at = i + term.length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Marks each occurrence of `term` ignoring case (like the server's message search). */
export function FoldedHighlight({ text, term }: { text: string; term: string }) {
  if (!term) return <>{text}</>;
  const parts: React.ReactNode[] = [];
  const re = new RegExp(escapeRegExp(term), 'giu');
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) break;
    if (m.index > at) parts.push(text.slice(at, m.index));
    parts.push(<mark key={m.index}>{m[0]}</mark>);
    at = m.index + m[0].length;
  }
  parts.push(text.slice(at));
  return <>{parts}</>;
}
