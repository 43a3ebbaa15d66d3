// Secret values (the access token, API keys) are cut out of command output before it is recorded, streamed or
// sent to the model: whatever a command manages to print, the model and the rollout never see the value.
// Streaming holds back only a tail that could be the start of a secret, so deltas still concatenate to the
// final text.

export const REDACTED = '[redacted secret]';
/** Shorter values are not treated as secrets (they would match ordinary text). */
const MIN_SECRET_LENGTH = 8;

function usable(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of usable(secrets)) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

export class StreamRedactor {
  private readonly secrets: string[];
  private pending = '';

  constructor(secrets: readonly string[]) {
    this.secrets = usable(secrets);
  }

  /** Text that is safe to pass on now. */
  push(text: string): string {
    if (this.secrets.length === 0) return text;
    const all = redactSecrets(this.pending + text, this.secrets);
    const hold = this.heldTail(all);
    this.pending = all.slice(all.length - hold);
    return all.slice(0, all.length - hold);
  }

  /** The rest, at the end of the stream. */
  flush(): string {
    const rest = this.pending;
    this.pending = '';
    return rest;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some secret. */
  private heldTail(text: string): number {
    let best = 0;
    for (const s of this.secrets) {
      for (let n = Math.min(s.length - 1, text.length); n > best; n--) {
        if (text.endsWith(s.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
