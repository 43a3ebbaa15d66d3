/**
 * A deterministic, realistic-looking set of threads: ~20% carry a user-set name, the rest are titled by
 * their preview (first user message). The vocabulary is chosen so that COMMON_TERM is in ~30% of titles,
 * RARE_TERM in ~0.1%, and NO_MATCH_TERM in none. Exact match counts are computed with the same literal,
 * case-sensitive substring test the server implements, so paging results can be checked.
 */
export const COMMON_TERM = 'login';
export const RARE_TERM = 'flamegraph';
export const NO_MATCH_TERM = 'zzq-nomatch';

export interface BenchThread {
  id: string;
  name: string | null;
  preview: string;
  cwd: string;
  createdAt: number;
  updatedAt: number;
}

export interface Dataset {
  threads: BenchThread[];
  matches: { common: number; rare: number; none: number };
  identicalCreatedAt: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = ['Fix', 'Refactor', 'Add', 'Remove', 'Rename', 'Speed up', 'Document', 'Investigate', 'Clean up', 'Port', 'Review', 'Simplify'];
const OBJECTS = [
  'the settings page', 'pagination in the API', 'the flaky e2e suite', 'the CSV export', 'websocket reconnects', 'the sidebar layout',
  'dark mode colors', 'the payment webhook', 'rate limiting', 'the search box', 'image uploads', 'the onboarding flow',
  'database migrations', 'the CI cache', 'error toasts', 'the markdown renderer', 'timezone handling', 'the billing report',
];
const PLACES = ['src/app/page.tsx', 'server/router.ts', 'lib/cache.rs', 'cmd/main.go', 'api/handlers.py', 'packages/ui/Button.tsx', 'Makefile', 'docker-compose.yml'];
const ASKS = [
  'Can you', 'Please', 'I need you to', 'Help me', 'Could you', 'We should',
];
const TAILS = [
  'Keep the public API unchanged.', 'Add tests for the edge cases.', 'The current version is too slow on large inputs.',
  'It breaks when the list is empty.', 'Users reported this twice this week.', 'Run the linter afterwards.',
  'Do not touch the generated files.', 'Explain the trade-offs before changing anything.', 'Start by reading the README.',
];
const NAMES = ['Auth cleanup', 'Release prep', 'Perf pass', 'Bug triage', 'Design review', 'Migration plan', 'Hotfix', 'Spike', 'Notes', 'Refactor'];
const COMMON_PHRASES = ['the login page', 'login redirects', 'the SSO login flow', 'login rate limits', 'the login form validation'];
const RARE_PHRASES = ['a flamegraph of the hot path', 'the CPU flamegraph', 'flamegraph sampling'];
const CWDS = ['/home/dev/projects/web', '/home/dev/projects/api', '/home/dev/projects/infra', '/home/dev/work/mobile'];

const pick = <T>(rng: () => number, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

function uuidFrom(rng: () => number, ms: number): string {
  // UUIDv7 layout: 48-bit ms timestamp, version 7, variant 10, random rest.
  const hex = (n: number, len: number) => Math.floor(n).toString(16).padStart(len, '0').slice(-len);
  const ts = hex(ms, 12);
  const r = () => hex(rng() * 0x10000, 4);
  const variant = (8 + Math.floor(rng() * 4)).toString(16);
  return `${ts.slice(0, 8)}-${ts.slice(8)}-7${r().slice(1)}-${variant}${r().slice(1)}-${r()}${r()}${r()}`;
}

export function makeDataset(n: number, seed = 42): Dataset {
  const rng = mulberry32(seed ^ n);
  const threads: BenchThread[] = [];
  let t = Date.UTC(2025, 0, 6, 9, 0, 0);
  let identical = 0;
  let burst = 0;
  for (let i = 0; i < n; i++) {
    // Distinct, increasing creation times, plus identical ones: short bursts (bulk imports) and random twins.
    if (burst > 0) {
      burst--;
      identical++;
    } else if (i > 0 && i % 997 === 0) {
      burst = 19;
    } else if (i > 0 && rng() < 0.02) {
      identical++;
    } else {
      t += 1 + Math.floor(rng() * 90_000);
    }
    const createdAt = t;
    const updatedAt = rng() < 0.3 ? createdAt : createdAt + Math.floor(rng() * 3 * 86_400_000);

    const common = rng() < 0.3;
    const rare = rng() < 0.001;
    const topic = common ? pick(rng, COMMON_PHRASES) : rare ? pick(rng, RARE_PHRASES) : pick(rng, OBJECTS);
    let preview = `${pick(rng, ASKS)} ${pick(rng, VERBS).toLowerCase()} ${topic} in ${pick(rng, PLACES)}?`;
    const extra = Math.floor(rng() * 4);
    for (let k = 0; k < extra; k++) preview += ` ${pick(rng, TAILS)}`;
    if (rare && common) preview += ` Attach ${pick(rng, RARE_PHRASES)}.`;

    let name: string | null = null;
    const r = rng();
    if (r < 0.17) name = `${pick(rng, NAMES)}: ${pick(rng, VERBS).toLowerCase()} ${topic}`;
    else if (r < 0.2) name = `${common ? 'Login' : pick(rng, NAMES)} ${i}`; // capitalised: must NOT match "login"
    threads.push({ id: uuidFrom(rng, createdAt), name, preview, cwd: pick(rng, CWDS), createdAt, updatedAt });
  }
  const count = (term: string) => threads.reduce((acc, th) => acc + ((th.name ?? th.preview).includes(term) ? 1 : 0), 0);
  return { threads, matches: { common: count(COMMON_TERM), rare: count(RARE_TERM), none: count(NO_MATCH_TERM) }, identicalCreatedAt: identical };
}
