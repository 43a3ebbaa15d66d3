// When a shell command needs a person's approval, what the approval proposes, and how a granted
// "don't ask again for commands that start with …" applies later (docs/protocol.md#server-requests).
// Pure: the turn's tool router (server/services/turns/tools.ts) asks, runs and remembers.
import type { AskForApproval, SandboxPolicy } from '../../protocol/common';

/** What the shell tool's `sandbox_permissions` may ask for, as codex's shell tools name it. */
export type SandboxPermissions = 'use_default' | 'require_escalated';

/** Read-only programs `untrusted` lets through without asking. */
const KNOWN_SAFE = new Set(['ls', 'cat', 'pwd', 'echo', 'printf', 'head', 'tail', 'wc', 'grep', 'rg', 'find', 'true', 'false', 'which', 'stat', 'file', 'nl', 'sort', 'uniq', 'cut', 'tr', 'date']);
/** Options that make an otherwise read-only program run or write something. */
const UNSAFE_OPTIONS: Record<string, RegExp> = {
  find: /^-(exec|execdir|ok|okdir|delete|fls|fprint|fprint0|fprintf)$/,
  rg: /^--(pre|search-zip|hostname-bin)(=|$)|^-z$/,
  sort: /^(-o|--output)(=|$)/,
};

/** Prefixes the model may not propose as a reusable rule: each would approve arbitrary code. */
const BANNED_PREFIXES = [
  'python3', 'python3 -', 'python3 -c', 'python', 'python -', 'python -c', 'py', 'py -3', 'pythonw', 'pyw', 'pypy', 'pypy3',
  'git', 'bash', 'bash -lc', 'bash -c', 'sh', 'sh -c', 'sh -lc', 'zsh', 'zsh -lc', 'zsh -c', '/bin/zsh', '/bin/zsh -lc', '/bin/bash',
  '/bin/bash -lc', '/bin/bash -c', 'pwsh', 'pwsh -Command', 'pwsh -c', 'powershell', 'powershell -Command', 'powershell -c', 'env',
  'sudo', 'node', 'node -e', 'perl', 'perl -e', 'ruby', 'ruby -e', 'php', 'php -r', 'lua', 'lua -e', 'osascript',
];

/** A POSIX shell word for `s`: unchanged when it needs no quoting, else single-quoted. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_\-.,:/@%+=]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one shell command line that splits back into the same words. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

const OPERATORS = new Set(['&&', '||', ';', '|']);

/**
 * Splits a script into its plain commands when it is nothing but words joined by `&&`, `||`, `;` or `|`
 * (quotes allowed; no expansions, redirections, subshells or globs). Null for anything more complex: such a
 * script is judged as a whole and never matches a remembered prefix.
 */
export function parsePlainCommands(script: string): string[][] | null {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | null = null;
  let afterOperator = false;
  let i = 0;
  const endCommand = (): boolean => {
    if (words.length === 0) return false;
    commands.push(words);
    words = [];
    return true;
  };
  while (i < script.length) {
    const c = script[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== null) words.push(word);
      word = null;
      // A newline ends a command like `;` does; blank lines are fine.
      if (c === '\n') endCommand();
      i++;
      continue;
    }
    const two = script.slice(i, i + 2);
    if (two === '&&' || two === '||' || c === ';' || c === '|') {
      if (word !== null) words.push(word);
      word = null;
      if (!endCommand()) return null;
      afterOperator = true;
      i += OPERATORS.has(two) ? 2 : 1;
      continue;
    }
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return null;
      word = (word ?? '') + script.slice(i + 1, end);
      afterOperator = false;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const end = script.indexOf('"', i + 1);
      if (end < 0) return null;
      const inner = script.slice(i + 1, end);
      if (/[$`\\!]/.test(inner)) return null;
      word = (word ?? '') + inner;
      afterOperator = false;
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z0-9_\-.,:/@%+=]/.test(c)) return null;
    afterOperator = false;
    word = (word ?? '') + c;
    i++;
  }
  if (word !== null) words.push(word);
  if (afterOperator) return null; // a trailing `&&`, `|`, ...
  endCommand();
  // A word like `FOO=bar` in front is an assignment, which changes what runs: not plain.
  if (commands.length === 0 || commands.some((cmd) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(cmd[0]!))) return null;
  return commands;
}

/** A plain command that only reads (an allowlisted program without an option that runs or writes). */
export function isKnownSafe(argv: readonly string[]): boolean {
  const program = argv[0] ?? '';
  if (!KNOWN_SAFE.has(program)) return false;
  const unsafe = UNSAFE_OPTIONS[program];
  return !unsafe || !argv.slice(1).some((a) => unsafe.test(a));
}

export function startsWith(argv: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length > 0 && prefix.length <= argv.length && prefix.every((p, i) => argv[i] === p);
}

function formatPolicy(policy: AskForApproval): string {
  if (policy === 'never') return 'Never';
  if (policy === 'untrusted') return 'UnlessTrusted';
  if (policy === 'on-request') return 'OnRequest';
  const g = policy.granular;
  return `Granular(GranularApprovalConfig { sandbox_approval: ${g.sandbox_approval}, rules: ${g.rules}, skill_approval: ${g.skill_approval}, request_permissions: ${g.request_permissions}, mcp_elicitations: ${g.mcp_elicitations} })`;
}

export interface ExecRequest {
  script: string;
  policy: AskForApproval;
  sandbox: SandboxPolicy;
  sandboxPermissions: SandboxPermissions;
  /** The model's proposed reusable prefix (`prefix_rule`), if any. */
  prefixRule?: readonly string[] | null;
  /** Prefixes granted for this thread ("don't ask again for commands that start with …"). */
  allowedPrefixes: readonly GrantedPrefix[];
}

/** A granted prefix, and whether it was granted for a command that asked to leave the sandbox. */
export interface GrantedPrefix {
  prefix: readonly string[];
  escalated: boolean;
}

export type ExecRequirement =
  /** Run without asking; `escalated` runs it outside the sandbox. */
  | { kind: 'run'; escalated: boolean }
  /** Ask first; on approval run it, outside the sandbox when `escalated`. */
  | { kind: 'ask'; escalated: boolean; proposedAmendment: string[] | null }
  /** Refuse without asking; `message` is the tool output for the model. */
  | { kind: 'reject'; message: string };

/** Whether a policy lets the model ask to run outside the sandbox at all. */
function escalationAllowed(policy: AskForApproval): boolean {
  if (policy === 'never') return false;
  if (typeof policy === 'object') return policy.granular.sandbox_approval;
  return true;
}

/**
 * Decides one shell call. Each plain command of the script is allowed by a granted prefix or judged on its own:
 * `untrusted` asks unless it is known to be read-only; `on-request` asks only when the model asks to escalate
 * (and the sandbox restricts anything); `never` never asks; a granular policy asks when `sandbox_approval` is set.
 * A script that is not plain is judged as a whole and no granted prefix covers it. Escalating under `never`, or
 * under a granular policy without `sandbox_approval`, is refused with codex's message.
 */
export function evaluateExec(req: ExecRequest): ExecRequirement {
  const { policy } = req;
  const wantsEscalation = req.sandboxPermissions === 'require_escalated' && req.sandbox.type !== 'dangerFullAccess';
  if (req.sandboxPermissions === 'require_escalated' && !escalationAllowed(policy)) {
    const p = formatPolicy(policy);
    return { kind: 'reject', message: `approval policy is ${p}; reject command — you cannot ask for escalated permissions if the approval policy is ${p}` };
  }
  const plain = parsePlainCommands(req.script);
  const needsApproval = (argv: readonly string[] | null): boolean => {
    if (wantsEscalation) return true;
    if (policy === 'untrusted') return argv === null || !isKnownSafe(argv);
    if (typeof policy === 'object') return policy.granular.sandbox_approval;
    return false;
  };
  if (plain === null) return needsApproval(null) ? { kind: 'ask', escalated: wantsEscalation, proposedAmendment: null } : { kind: 'run', escalated: false };

  // Only a grant made for an escalation covers an escalation: one made for a sandboxed run never widens it.
  const grants = req.allowedPrefixes.filter((g) => g.escalated || !wantsEscalation);
  const uncovered = plain.filter((argv) => !grants.some((g) => startsWith(argv, g.prefix)));
  const asking = uncovered.filter((argv) => needsApproval(argv));
  if (asking.length === 0) return { kind: 'run', escalated: wantsEscalation };
  return { kind: 'ask', escalated: wantsEscalation, proposedAmendment: proposeAmendment(req.prefixRule ?? null, asking) };
}

/** The model's `prefix_rule` when it is usable and covers every command that asks; else the first such command. */
function proposeAmendment(prefixRule: readonly string[] | null, asking: readonly string[][]): string[] {
  if (prefixRule && prefixRule.length > 0 && !BANNED_PREFIXES.includes(prefixRule.join(' ')) && asking.every((argv) => startsWith(argv, prefixRule))) {
    return [...prefixRule];
  }
  return [...asking[0]!];
}
