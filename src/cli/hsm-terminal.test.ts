import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PassThrough, Readable, Writable } from 'node:stream';
import { openTerminal, splitWords } from './hsm-terminal.js';
import { PasswordMismatch, readPassword } from './hsm-tool.js';

test('command lines split like a shell: quotes group words and are removed', () => {
  assert.deepEqual(splitWords('  key delete --filter attr.id="0x1a2b3c4d"  '), ['key', 'delete', '--filter', 'attr.id=0x1a2b3c4d']);
  assert.deepEqual(splitWords(`key list --filter attr.label='my key' attr.class=secret-key`), ['key', 'list', '--filter', 'attr.label=my key', 'attr.class=secret-key']);
  assert.deepEqual(splitWords('say "a \\"quoted\\" word" ""'), ['say', 'a "quoted" word', '']);
  assert.deepEqual(splitWords('\t'), []);
  assert.throws(() => splitWords('login --password "abc'), /unterminated double quote/);
});

/** A terminal's two ends: what is typed, and everything shown on the screen. */
function fakeTty() {
  const input = Object.assign(new PassThrough(), { isTTY: true });
  let screen = '';
  const output = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        screen += chunk.toString();
        done();
      },
    }),
    { isTTY: true, columns: 80 },
  );
  return { term: openTerminal(input, output as unknown as NodeJS.WriteStream), type: (text: string) => input.write(text), screen: () => screen };
}

test('on a terminal, a password is typed without echo, twice for a new one, and two different answers are refused', async () => {
  const tty = fakeTty();
  assert.equal(tty.term.interactive, true);
  const login = readPassword(tty.term, undefined, false);
  tty.type('Typed4Login\r');
  assert.equal(await login, 'Typed4Login');
  const created = readPassword(tty.term, undefined, true);
  tty.type('NewSecret1\r');
  tty.type('NewSecret1\r');
  assert.equal(await created, 'NewSecret1');
  const mistyped = readPassword(tty.term, undefined, true);
  tty.type('NewSecret1\r');
  tty.type('NewSecret2\r');
  await assert.rejects(mistyped, (err: unknown) => err instanceof PasswordMismatch && err.message === 'Passwords do not match');
  tty.term.close();
  assert.match(tty.screen(), /Enter password:[\s\S]*Confirm password:/);
  assert.doesNotMatch(tty.screen(), /Typed4Login|NewSecret/);
});

test('from a pipe, a password is the next line, and that one line answers both prompts of a new password', async () => {
  const term = openTerminal(Readable.from(['Piped4Login\nNewSecret1\nuser list\n']), new PassThrough() as unknown as NodeJS.WriteStream);
  assert.equal(term.interactive, false);
  assert.equal(await readPassword(term, undefined, false), 'Piped4Login');
  assert.equal(await readPassword(term, undefined, true), 'NewSecret1');
  assert.equal(await term.readLine(''), 'user list', 'the next command is not taken as a confirmation');
  await assert.rejects(readPassword(term, undefined, true), /no password was given \(end of input\)/);
  term.close();
});
