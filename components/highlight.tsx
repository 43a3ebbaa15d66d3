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
