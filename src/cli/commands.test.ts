import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OptionError, parseOptions } from './args.js';
import { commandName, COMMANDS, GROUPS } from './commands.js';

test('every example of every command parses with that command\u2019s own options', () => {
  for (const c of COMMANDS) {
    assert.ok(c.examples.length > 0, `${commandName(c)} has no example`);
    for (const example of c.examples) {
      const start = example.indexOf(`keywarden ${commandName(c)}`);
      assert.notEqual(start, -1, `the example '${example}' does not run keywarden ${commandName(c)}`);
      const words = example.slice(start).split(/\s+/);
      const end = words.findIndex((w) => ['>', '|', ')', '&&'].includes(w));
      const argv = words.slice(1 + c.path.length, end === -1 ? undefined : end).map((w) => w.replace(/\)$/, ''));
      const args = parseOptions(argv, c.options);
      const operands = c.operands ?? [];
      assert.ok(args.positional.length >= operands.filter((o) => !o.optional).length, `${example}: operands missing`);
      assert.ok(args.positional.length <= operands.length, `${example}: too many operands`);
    }
  }
});

test('commands, options and short options are unique; every group has commands; every option says what it does', () => {
  const names = COMMANDS.map(commandName);
  assert.equal(new Set(names).size, names.length);
  for (const g of GROUPS) assert.ok(COMMANDS.some((c) => c.path[0] === g.name && c.path.length === 2), g.name);
  for (const c of COMMANDS) {
    assert.ok(c.path.length === 1 || GROUPS.some((g) => g.name === c.path[0]), `${commandName(c)} belongs to no group`);
    const shorts = Object.values(c.options).flatMap((o) => (o.short ? [o.short] : []));
    assert.equal(new Set(shorts).size, shorts.length, commandName(c));
    for (const [name, o] of Object.entries(c.options)) {
      assert.match(name, /^[a-z][a-z0-9-]*$/, `${commandName(c)} --${name}: lower-case words joined by '-'`);
      assert.ok(o.help.length > 0, `${commandName(c)} --${name}`);
      assert.equal(o.type === 'string', o.value !== undefined, `${commandName(c)} --${name}: a value name exactly when it takes a value`);
    }
  }
});

test('the parser: values, switches, --name=value, and one-sentence errors that name the option', () => {
  const specs = { port: { type: 'string', value: 'PORT', help: 'p' }, json: { type: 'boolean', help: 'j' }, help: { type: 'boolean', short: 'h', help: 'h' } } as const;
  const ok = parseOptions(['a', '--port', '4603', '--json', 'b'], specs);
  assert.deepEqual(ok.positional, ['a', 'b']);
  assert.deepEqual([...ok.options], [['port', '4603'], ['json', true]]);
  assert.equal(parseOptions(['--port=-1'], specs).options.get('port'), '-1');
  const message = (argv: string[]) => {
    try {
      parseOptions(argv, specs);
    } catch (err) {
      assert.ok(err instanceof OptionError);
      return err.message;
    }
    assert.fail(`${argv.join(' ')} was accepted`);
  };
  assert.equal(message(['--prot', '4603']), "unknown option '--prot' (did you mean --port?)");
  assert.equal(message(['--verbose']), "unknown option '--verbose'");
  assert.equal(message(['-x']), "unknown option '-x'");
  assert.equal(message(['--port']), '--port needs a value');
  assert.equal(message(['--port', '--json']), "--port needs a value (write --port=VALUE for a value that starts with '-')");
  assert.equal(message(['--json=yes']), '--json takes no value');
});
