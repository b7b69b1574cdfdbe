// docs/runbooks.md cannot drift from the code: every command in it sits in a marked transcript,
// every section of transcripts is run by exactly one scenario file of this folder (which fails
// unless each of its blocks ran and printed what the guide shows), and the matcher that compares
// them fails on any difference.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadGuide, matchOutput, parseGuide } from '../support/runbook.js';
import { ROOT } from '../support/server.js';

const SCENARIOS = join(ROOT, 'test', 'runbooks');

/** The sections each scenario file claims: the literal list it passes to runbook([...]). */
function claims(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of readdirSync(SCENARIOS).filter((f) => f.endsWith('.test.ts'))) {
    const source = readFileSync(join(SCENARIOS, file), 'utf8');
    const m = /runbook\(\[([^\]]*)\]\)/.exec(source);
    if (m) out.set(file, [...m[1]!.matchAll(/'([a-z0-9-]+)'/g)].map((s) => s[1]!));
  }
  return out;
}

describe('docs/runbooks.md', () => {
  const guide = loadGuide();

  test('every block of commands is a marked transcript, and every id is unique', () => {
    assert.deepEqual(guide.problems, []);
    assert.ok(guide.blocks.length >= 60, `the guide has its blocks (${guide.blocks.length})`);
    for (const block of guide.blocks) assert.ok(block.steps.length > 0, `${block.id} has commands`);
  });

  test('every section is proven by exactly one scenario file, and every claimed section exists', () => {
    const claimed = claims();
    const owners = new Map<string, string[]>();
    for (const [file, sections] of claimed) for (const s of sections) owners.set(s, [...(owners.get(s) ?? []), file]);
    const sections = [...new Set(guide.blocks.map((b) => b.section))];
    for (const s of sections) assert.equal(owners.get(s)?.length, 1, `section ${s} is claimed by ${JSON.stringify(owners.get(s) ?? [])}`);
    for (const s of owners.keys()) assert.ok(sections.includes(s), `${owners.get(s)} claims ${s}, which the guide does not have`);
  });

  test('it covers every procedure of the seed pages and every ConnectionErrorCode', () => {
    const text = readFileSync(join(ROOT, 'docs', 'runbooks.md'), 'utf8');
    const sections = new Set(guide.blocks.map((b) => b.section));
    for (const s of [
      'unavailable-keys', 'disconnected-store', 'material-deleted', 'no-hsms', 'cluster-deleted', 'pkcs11-sessions',
      'connect-fail-fast', 'failed-must-disconnect', 'cannot-communicate', 'kmsuser-locked-out', 'kmsuser-credentials',
      'orphaned-material', 'recover-from-backup', 'kmsuser-login',
    ]) {
      assert.ok(sections.has(s), `the guide has the procedure ${s}`);
    }
    for (const code of [
      'CLUSTER_NOT_FOUND', 'INSUFFICIENT_CLOUDHSM_HSMS', 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET', 'INTERNAL_ERROR', 'INVALID_CREDENTIALS',
      'NETWORK_ERRORS', 'SUBNET_NOT_FOUND', 'USER_LOCKED_OUT', 'USER_LOGGED_IN', 'USER_NOT_FOUND',
    ]) {
      const shown = guide.blocks.some((b) => b.steps.some((s) => s.expected.some((l) => new RegExp(`^FAILED\\s+${code}$`).test(l.trim()))));
      assert.ok(shown, `a transcript shows a store FAILED with ${code}`);
      assert.match(text, new RegExp(`\\| \`${code}\` \\|`), `the table lists ${code}`);
    }
  });

  test('the README links to it', () => {
    assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /\]\(docs\/runbooks\.md\)/);
  });
});

describe('the transcript parser and matcher', () => {
  const md = (body: string) => `<!-- runbook: demo/step -->\n\`\`\`console\n${body}\n\`\`\`\n`;

  test('commands, continuation lines, heredocs and tool sessions', () => {
    const g = parseGuide(
      md(
        [
          '$ aws kms describe-key \\',
          '    --key-id <key-id>',
          'Enabled',
          "$ cat <<'EOF'",
          'a <b>',
          'EOF',
          'a <b>',
          '$ ./bin/keywarden cloudhsm_mgmt_util --cluster-id <cluster-id>',
          'aws-cloudhsm>changePswd CU kmsuser tempPassword',
          '...',
          'Do you want to continue(y/n)?y',
          'aws-cloudhsm>quit',
        ].join('\n'),
      ),
    );
    assert.deepEqual(g.problems, []);
    const [a, b, c] = g.blocks[0]!.steps;
    assert.equal(a!.command, 'aws kms describe-key \\\n    --key-id <key-id>');
    assert.deepEqual(a!.expected, ['Enabled']);
    assert.equal(b!.command, "cat <<'EOF'\na <b>\nEOF");
    assert.deepEqual(b!.expected, ['a <b>']);
    assert.deepEqual(c!.input, ['changePswd CU kmsuser tempPassword', 'y', 'quit']);
    assert.deepEqual(c!.expected, ['...', 'Do you want to continue(y/n)?y']);
  });

  test('a block of commands without a marker, or a marked block that is not a transcript, is a problem', () => {
    assert.equal(parseGuide('```sh\naws kms list-keys\n```\n').problems.length, 1);
    assert.equal(parseGuide('```\n$ aws kms list-keys\n```\n').problems.length, 1);
    assert.equal(parseGuide('<!-- runbook: a/b -->\n```sh\naws kms list-keys\n```\n').problems.length, 2);
    assert.deepEqual(parseGuide('```json\n{"KeyId": "x"}\n```\n').problems, []);
  });

  test('placeholders take their value from the output, once, and must agree after that', () => {
    const vars = new Map([['key-id', 'k1']]);
    const got = matchOutput(['arn:<account>:key/<key-id>', 'again <account>'], 'arn:111:key/k1\nagain 111\n', vars, 'demo');
    assert.deepEqual([...got], [['account', '111']]);
    assert.throws(() => matchOutput(['<a> <a>'], 'x y', new Map(), 'demo'), /the output differs/);
    assert.throws(() => matchOutput(['key/<key-id>'], 'key/k2', vars, 'demo'), /the output differs/);
  });

  test('blanks are formatting, "..." stands for lines, and anything else must be exactly the same', () => {
    assert.deepEqual([...matchOutput(['a  b', '...', 'z'], '\n  a\tb\n\nx\ny\nz\n\n', new Map(), 'demo')], []);
    assert.deepEqual([...matchOutput(['a', '...'], 'a', new Map(), 'demo')], []);
    assert.throws(() => matchOutput(['a', '...'], 'b\na', new Map(), 'demo'), /the output differs/);
    assert.throws(() => matchOutput(['CONNECTED'], 'CONNECTING', new Map(), 'demo'), /the output differs/);
    assert.throws(() => matchOutput(['CONNECTED'], 'CONNECTED\nand more', new Map(), 'demo'), /the output differs/);
    assert.throws(() => matchOutput([], 'unexpected output', new Map(), 'demo'), /the output differs/);
    assert.deepEqual([...matchOutput([], '\n\n', new Map(), 'demo')], []);
  });
});
