// Secret redaction: whatever way a value is split across output chunks, it never passes whole, and the
// redacted stream concatenates to the redacted whole text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDACTED, redactSecrets, StreamRedactor } from '../server/util/redact';
import { log, redactLogSecrets } from '../server/util/log';

const SECRETS = ['sk-abcdefghijklmnop', 'tok_aaaaaaaaab', 'short'];

function randomSplits(text: string, seed: number): string[] {
  const parts: string[] = [];
  let i = 0;
  let x = seed;
  while (i < text.length) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const n = 1 + (x % 7);
    parts.push(text.slice(i, i + n));
    i += n;
  }
  return parts;
}

test('a stream redactor never lets a secret through, for any chunking', () => {
  const text = `start sk-abcdefghijklmnop mid tok_aaaaaaaaaaab tok_aaaaaaaaab sk-abcdefghijklmno end sk-abcdefghijklmnopsk-abcdefghijklmnop short`;
  const whole = redactSecrets(text, SECRETS);
  assert.ok(!whole.includes('sk-abcdefghijklmnop') && !whole.includes('tok_aaaaaaaaab'));
  assert.ok(whole.includes('short'), 'values under 8 characters are not treated as secrets');
  assert.ok(whole.includes('sk-abcdefghijklmno end'), 'a mere prefix of a secret is kept');
  for (let seed = 1; seed < 300; seed++) {
    const r = new StreamRedactor(SECRETS);
    const out = randomSplits(text, seed).map((p) => r.push(p));
    out.push(r.flush());
    for (const piece of out) assert.ok(!piece.includes('sk-abcdefghijklmnop'));
    assert.equal(out.join(''), whole, `seed ${seed}`);
  }
  assert.equal(new StreamRedactor([]).push('sk-abcdefghijklmnop'), 'sk-abcdefghijklmnop');
  assert.equal(redactSecrets('x sk-abcdefghijklmnop y', SECRETS), `x ${REDACTED} y`);
});

test('log lines carry no registered secret', (t) => {
  const lines: string[] = [];
  t.mock.method(process.stderr, 'write', (chunk: string | Uint8Array) => (lines.push(String(chunk)), true));
  redactLogSecrets(() => ['sk-abcdefghijklmnop']);
  log.warn('upstream said: bad key sk-abcdefghijklmnop', new Error('Authorization: Bearer sk-abcdefghijklmnop'));
  redactLogSecrets(() => []);
  t.mock.restoreAll();
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('sk-abcdefghijklmnop'), lines[0]);
  assert.match(lines[0]!, /bad key \[redacted secret\]/);
});
