import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitWords } from './hsm-terminal.js';

test('command lines split like a shell: quotes group words and are removed', () => {
  assert.deepEqual(splitWords('  key delete --filter attr.id="0x1a2b3c4d"  '), ['key', 'delete', '--filter', 'attr.id=0x1a2b3c4d']);
  assert.deepEqual(splitWords(`key list --filter attr.label='my key' attr.class=secret-key`), ['key', 'list', '--filter', 'attr.label=my key', 'attr.class=secret-key']);
  assert.deepEqual(splitWords('say "a \\"quoted\\" word" ""'), ['say', 'a "quoted" word', '']);
  assert.deepEqual(splitWords('\t'), []);
  assert.throws(() => splitWords('login --password "abc'), /unterminated double quote/);
});
