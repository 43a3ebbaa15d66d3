// The pure exec policy: shell quoting that bash splits back exactly, plain-command parsing, and the ask/run/reject rules.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import type { SandboxPolicy } from '../../server/protocol/common';
import { evaluateExec, parsePlainCommands, shellJoin, type ExecRequest } from '../../server/engine/tools/exec-policy';

/** The words bash itself makes of a command line. */
function bashWords(line: string): string[] {
  const r = spawnSync('bash', ['-c', 'eval "w=($1)"; printf "%s\\0" "${w[@]}"', '_', line], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

test('shellJoin quotes so that bash splits the line back into the same words', () => {
  const scripts = ['ls -la && git status', "printf '%s\\n' \"it's\"", 'echo $HOME `id` $(id)', "a'b'c", '', ' ', 'tab\there', 'new\nline', 'ünïcødé ✓', "''''"];
  for (const script of scripts) {
    const argv = ['bash', '-c', script];
    assert.deepEqual(bashWords(shellJoin(argv)), argv, JSON.stringify(script));
  }
  assert.equal(shellJoin(['bash', '-c', 'ls -la && git status']), "bash -c 'ls -la && git status'");
});

test('parsePlainCommands splits word-only scripts on && || ; | and newlines, and gives up on anything else', () => {
  assert.deepEqual(parsePlainCommands('ls -la && git status'), [['ls', '-la'], ['git', 'status']]);
  assert.deepEqual(parsePlainCommands("grep 'a b' f.txt | wc -l; echo \"x y\"\nnpm test"), [['grep', 'a b', 'f.txt'], ['wc', '-l'], ['echo', 'x y'], ['npm', 'test']]);
  for (const complex of ['echo hi > f', 'cat <f', 'echo $HOME', 'echo `id`', 'echo $(id)', '(cd x; ls)', 'ls *.ts', 'sleep 1 &', 'FOO=1 ls', 'ls &&', '&& ls', 'ls ;; ls', "echo 'open", 'echo "$x"', '{ ls; }', 'ls ~']) {
    assert.equal(parsePlainCommands(complex), null, complex);
  }
});

const readOnly: SandboxPolicy = { type: 'readOnly', networkAccess: false };
const req = (over: Partial<ExecRequest>): ExecRequest => ({ script: 'ls', policy: 'on-request', sandbox: readOnly, sandboxPermissions: 'use_default', allowedPrefixes: [], ...over });

test('evaluateExec: who asks, what is proposed, what a granted prefix covers', () => {
  assert.deepEqual(evaluateExec(req({})), { kind: 'run', escalated: false });
  assert.deepEqual(evaluateExec(req({ script: 'rm -rf x' })), { kind: 'run', escalated: false }, 'on-request without escalation relies on the sandbox');
  assert.deepEqual(evaluateExec(req({ sandboxPermissions: 'require_escalated', script: 'touch a && ls' })), { kind: 'ask', escalated: true, proposedAmendment: ['touch', 'a'] });
  assert.deepEqual(evaluateExec(req({ sandboxPermissions: 'require_escalated', sandbox: { type: 'dangerFullAccess' } })), { kind: 'run', escalated: false }, 'nothing to escalate from');
  assert.deepEqual(evaluateExec(req({ policy: 'untrusted', script: 'ls -la | wc -l' })), { kind: 'run', escalated: false });
  assert.deepEqual(evaluateExec(req({ policy: 'untrusted', script: 'find . -delete' })), { kind: 'ask', escalated: false, proposedAmendment: ['find', '.', '-delete'] });
  assert.deepEqual(evaluateExec(req({ policy: 'untrusted', script: 'ls > f' })), { kind: 'ask', escalated: false, proposedAmendment: null });
  assert.deepEqual(evaluateExec(req({ policy: 'untrusted', script: 'git status -s && ls', allowedPrefixes: [{ prefix: ['git', 'status'], escalated: false }] })), { kind: 'run', escalated: false });
  assert.deepEqual(evaluateExec(req({ policy: 'untrusted', script: 'git statusx', allowedPrefixes: [{ prefix: ['git', 'status'], escalated: false }] })).kind, 'ask', 'prefixes match whole words');
  assert.deepEqual(evaluateExec(req({ policy: 'untrusted', script: 'ls > f', allowedPrefixes: [{ prefix: ['ls'], escalated: true }] })).kind, 'ask', 'a complex script is never covered');
  const sandboxedGrant = [{ prefix: ['touch'], escalated: false }];
  assert.deepEqual(evaluateExec(req({ sandboxPermissions: 'require_escalated', script: 'touch a', allowedPrefixes: sandboxedGrant })), { kind: 'ask', escalated: true, proposedAmendment: ['touch', 'a'] }, 'a grant for sandboxed runs does not cover an escalation');
  assert.deepEqual(evaluateExec(req({ sandboxPermissions: 'require_escalated', script: 'touch a', allowedPrefixes: [{ prefix: ['touch'], escalated: true }] })), { kind: 'run', escalated: true });
  assert.deepEqual(evaluateExec(req({ sandboxPermissions: 'require_escalated', script: 'npm test -- x', prefixRule: ['npm', 'test'] })), { kind: 'ask', escalated: true, proposedAmendment: ['npm', 'test'] });
  assert.deepEqual(evaluateExec(req({ sandboxPermissions: 'require_escalated', script: 'npm test', prefixRule: ['npm', 'run'] })), { kind: 'ask', escalated: true, proposedAmendment: ['npm', 'test'] }, 'a prefix_rule that does not cover the command is not proposed');
  assert.deepEqual(evaluateExec(req({ sandboxPermissions: 'require_escalated', script: 'python3 -c 1', prefixRule: ['python3'] })), { kind: 'ask', escalated: true, proposedAmendment: ['python3', '-c', '1'] }, 'a banned prefix_rule is not proposed');
  assert.equal(evaluateExec(req({ policy: 'never', sandboxPermissions: 'require_escalated' })).kind, 'reject');
  assert.deepEqual(evaluateExec(req({ policy: 'never', script: 'rm -rf x' })), { kind: 'run', escalated: false });
});
