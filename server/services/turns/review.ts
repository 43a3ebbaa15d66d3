// review/start (docs/protocol.md#review): the model reviews with a conversation of its own (review instructions,
// the target as the user's request, the thread's tools and sandbox), answers with JSON findings, and the turn ends
// with the findings as text. The thread's own conversation then holds a record of the review.
import { z } from 'zod';
import type { ReviewTarget } from '../../protocol/review';
import type { ResponseItem } from './request';

export const REVIEW_INSTRUCTIONS = `You are reviewing a code change for another engineer, in their workspace, through Codex Web.
Use the shell_command tool to inspect the repository (git status, git diff, reading files). Do not modify anything.
Flag only issues the author would want to fix: bugs, security problems, broken edge cases, missing error handling,
misleading names or comments that will cause mistakes. Do not flag style preferences or pre-existing problems the
change does not touch. For each finding give a short title, a body explaining the problem and why it matters, a
priority from 0 (must fix) to 3 (nice to have), your confidence from 0 to 1, and the file and lines it concerns.

Answer with JSON only, exactly this shape:
{"findings":[{"title":"...","body":"...","confidence_score":0.0,"priority":0,"code_location":{"absolute_file_path":"/...","line_range":{"start":1,"end":1}}}],
 "overall_correctness":"patch is correct" | "patch is incorrect","overall_explanation":"...","overall_confidence_score":0.0}`;

export interface ReviewRequest {
  /** The user's request to the reviewer (also the turn's userMessage). */
  prompt: string;
  /** What is reviewed, as a person reads it (enteredReviewMode.review). */
  hint: string;
}

export function reviewRequest(target: ReviewTarget): ReviewRequest {
  switch (target.type) {
    case 'uncommittedChanges':
      return {
        prompt: 'Review the current code changes: staged, unstaged and untracked files (`git status`, `git diff HEAD`, and read new files). Give prioritized findings.',
        hint: 'current changes',
      };
    case 'baseBranch':
      return {
        prompt: `Review the changes of the current branch against the base branch '${target.branch}': find the merge base with \`git merge-base HEAD ${JSON.stringify(target.branch)}\`, then review \`git diff <merge-base>\`. Give prioritized findings.`,
        hint: `changes against '${target.branch}'`,
      };
    case 'commit': {
      const title = target.title ? ` ("${target.title}")` : '';
      return {
        prompt: `Review the changes introduced by commit ${target.sha}${title} (\`git show ${target.sha}\`). Give prioritized findings.`,
        hint: `commit ${target.sha.slice(0, 7)}${target.title ? `: ${target.title}` : ''}`,
      };
    }
    case 'custom':
      return { prompt: target.instructions, hint: target.instructions };
  }
}

const reviewOutput = z.object({
  findings: z
    .array(
      z.looseObject({
        title: z.string(),
        body: z.string().default(''),
        priority: z.number().nullish(),
        code_location: z
          .looseObject({ absolute_file_path: z.string(), line_range: z.looseObject({ start: z.number(), end: z.number() }).nullish() })
          .nullish(),
      }),
    )
    .default([]),
  overall_correctness: z.string().nullish(),
  overall_explanation: z.string().nullish(),
});

/** The reviewer's answer as text: its explanation, then each finding with its place. Not JSON: the text as given. */
export function formatReview(answer: string): string {
  const json = answer.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1');
  let parsed: z.infer<typeof reviewOutput> | null = null;
  try {
    const r = reviewOutput.safeParse(JSON.parse(json));
    if (r.success) parsed = r.data;
  } catch {
    // not JSON: shown as written
  }
  if (!parsed) return answer.trim() || 'The reviewer gave no answer.';
  const lines: string[] = [];
  if (parsed.overall_explanation) lines.push(parsed.overall_explanation.trim());
  if (parsed.findings.length === 0) lines.push('No issues found.');
  else {
    lines.push('', parsed.findings.length === 1 ? 'Review comment:' : 'Full review comments:');
    for (const f of parsed.findings) {
      const priority = typeof f.priority === 'number' ? `[P${f.priority}] ` : '';
      const loc = f.code_location;
      const where = loc ? ` — ${loc.absolute_file_path}${loc.line_range ? `:${loc.line_range.start}-${loc.line_range.end}` : ''}` : '';
      lines.push('', `- ${priority}${f.title}${where}`);
      if (f.body.trim()) lines.push(`  ${f.body.trim().replace(/\n/g, '\n  ')}`);
    }
  }
  return lines.join('\n').trim();
}

/** What the thread's own conversation keeps of a review, so later turns can act on its findings. */
export function reviewRecord(request: ReviewRequest, review: string): ResponseItem {
  const text = `<user_action>\n<context>The user ran a code review (${request.hint}) in this thread.</context>\n<results>\n${review}\n</results>\n</user_action>`;
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}
