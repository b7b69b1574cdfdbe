// The `keywarden` command line as a user meets it: --help and -h on every command and group, the
// usage and exit status 2 for a mistyped or incomplete option, --version, and bash completion.
// The list of commands is read from `keywarden --help` itself, so a command it lists without help
// fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { run, type CliResult } from '../support/aws-cli.js';
import { BIN, ROOT } from '../support/server.js';

/** `keywarden <args>`, against a port nothing listens on: none of these may reach a service. */
const keywarden = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { KEYWARDEN_ENDPOINT: 'http://127.0.0.1:9' } });

/** Runs the calls two at a time: each is a Node process, and the machine is shared. */
async function inTwos<T, R>(items: T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await f(items[i]!);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

/** The commands `keywarden --help` lists: their words, without operands. */
async function listedCommands(): Promise<string[][]> {
  const r = await keywarden('--help');
  assert.equal(r.status, 0, r.stderr);
  const section = r.stdout.split('\nCommands:\n')[1]!.split('\n\n')[0]!;
  return section
    .split('\n')
    .filter((l) => /^ {2}\S/.test(l))
    // The term ends where two spaces begin its description.
    .map((l) => l.trim().split(/\s{2,}/)[0]!.split(' ').filter((w) => /^[a-z][a-z_-]*$/.test(w) && w !== 'interactive'));
}

function oneUsageError(r: CliResult, command: string, first: RegExp): void {
  assert.equal(r.status, 2, `exit status of keywarden ${command}: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0]!, first);
  assert.match(lines[1]!, new RegExp(`^Usage: keywarden ${command}( |$)`), r.stderr);
  assert.equal(lines.at(-1), `Run 'keywarden ${command} --help' for the options and examples.`);
}

test('every command and every group answers --help and -h with its usage, options and examples, on stdout, exit 0', async () => {
  const commands = await listedCommands();
  const names = commands.map((c) => c.join(' '));
  // The list is complete: the commands the README and the runbooks use are all there.
  for (const expected of ['serve', 'clock show', 'clock advance', 'network list', 'cluster quickstart', 'audit export', 'fault cut-network', 'policy explain', 'cloudhsm-cli', 'cloudhsm_mgmt_util', 'key_mgmt_util', 'completion']) {
    assert.ok(names.includes(expected), `${expected} is not in keywarden --help:\n${names.join('\n')}`);
  }
  const runs = await inTwos(
    commands.flatMap((words) => [[...words, '--help'], [...words, '-h']]),
    async (argv) => ({ argv, r: await keywarden(...argv) }),
  );
  for (const { argv, r } of runs) {
    const name = argv.slice(0, -1).join(' ');
    assert.equal(r.status, 0, `keywarden ${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, new RegExp(`^Usage: keywarden ${name}( |\\n)`), `keywarden ${argv.join(' ')}`);
    assert.match(r.stdout, /\nOptions:\n {2}/);
    assert.match(r.stdout, /\n {2}-h, --help {2,}show this help\n/);
    assert.match(r.stdout, new RegExp(`\\nExamples:\\n(.*\\n)*.*keywarden ${name}( |\\n)`), `keywarden ${argv.join(' ')} has no example of itself`);
  }
  // The -h answer is the --help answer.
  for (let i = 0; i < runs.length; i += 2) assert.equal(runs[i + 1]!.r.stdout, runs[i]!.r.stdout);

  const groups = [...new Set(commands.filter((c) => c.length === 2).map((c) => c[0]!))];
  assert.deepEqual(groups, ['clock', 'network', 'cluster', 'audit', 'fault', 'policy']);
  const groupRuns = await inTwos(groups.flatMap((g) => [[g, '--help'], [g, '-h'], ['help', g]]), async (argv) => ({ argv, r: await keywarden(...argv) }));
  for (const { argv, r } of groupRuns) {
    const group = argv[0] === 'help' ? argv[1]! : argv[0]!;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: keywarden ${group} <command>`));
    for (const c of commands.filter((w) => w[0] === group)) assert.match(r.stdout, new RegExp(`\\n {2}${c[1]}( |\\n)`), `${group} --help lists ${c[1]}`);
  }

  // `keywarden help X Y`, a --help after other options, and no command at all.
  const [viaHelp, late, bare, top] = await Promise.all([
    keywarden('help', 'clock', 'advance'),
    keywarden('fault', 'limit-sessions', '--cluster-id', 'cluster-x', '--help'),
    keywarden(),
    keywarden('-h'),
  ]);
  assert.equal(viaHelp.stdout, runs[names.indexOf('clock advance') * 2]!.r.stdout);
  assert.match(late.stdout, /^Usage: keywarden fault limit-sessions --cluster-id ID --per-hsm N /);
  assert.equal(bare.status, 0);
  assert.equal(bare.stdout, top.stdout);
});

test('an unknown option on any command: its usage on stderr and exit status 2, and nothing runs', async () => {
  const commands = await listedCommands();
  const runs = await inTwos(commands, async (words) => ({ words, r: await keywarden(...words, '--no-such-option') }));
  for (const { words, r } of runs) oneUsageError(r, words.join(' '), /^keywarden: unknown option '--no-such-option'$/);
});

test('a misspelt option, a missing value, a value for a switch and an extra word: the usage and exit 2; serve does not start', async () => {
  const [misspelt, noValue, ambiguous, switchValue, extra, short, toolWord] = await Promise.all([
    keywarden('serve', '--prot', '4603'),
    keywarden('serve', '--port'),
    keywarden('fault', 'cut-network', '--cluster-id', '--json'),
    keywarden('clock', 'show', '--json=yes'),
    keywarden('fault', 'list', 'now'),
    keywarden('serve', '-p', '4603'),
    keywarden('cloudhsm-cli', '--cluster-id', 'cluster-x', 'listUsers'),
  ]);
  oneUsageError(misspelt, 'serve', /^keywarden: unknown option '--prot' \(did you mean --port\?\)$/);
  oneUsageError(noValue, 'serve', /^keywarden: --port needs a value$/);
  oneUsageError(ambiguous, 'fault cut-network', /^keywarden: --cluster-id needs a value \(write --cluster-id=VALUE for a value that starts with '-'\)$/);
  oneUsageError(switchValue, 'clock show', /^keywarden: --json takes no value$/);
  oneUsageError(extra, 'fault list', /^keywarden: unexpected argument 'now'$/);
  oneUsageError(short, 'serve', /^keywarden: unknown option '-p'$/);
  oneUsageError(toolWord, 'cloudhsm-cli', /^keywarden: unexpected argument 'listUsers'$/);
  // The usage names every option, the required ones first.
  assert.match(noValue.stderr, /\[--port PORT\]/);
  assert.match(ambiguous.stderr, /^Usage: keywarden fault cut-network --cluster-id ID \[--endpoint URL\]/m);

  // Unknown commands and subcommands say what there is instead.
  const [command, sub, none] = await Promise.all([keywarden('serv'), keywarden('clock', 'advence', '1d'), keywarden('clock')]);
  for (const r of [command, sub, none]) {
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  }
  assert.match(command.stderr, /^keywarden: unknown command 'serv' \(did you mean 'serve'\?\)\. Run 'keywarden --help' to list the commands\.$/m);
  assert.match(sub.stderr, /^keywarden: 'clock advence' is not a clock command \(did you mean 'clock advance'\?\)/);
  assert.match(none.stderr, /^keywarden: clock needs a subcommand: show, advance or reset\. Run 'keywarden clock --help' for what each does\.\n$/);
});

test('keywarden --version prints the version of its package.json', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const r = await keywarden('--version');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `keywarden ${version}\n`);
  assert.equal(r.stderr, '');
});

test('bash completion, made from the same table, completes commands, subcommands, options and paths', async (t) => {
  const script = await keywarden('completion', 'bash');
  assert.equal(script.status, 0, script.stderr);
  const complete = async (...words: string[]) => {
    const line = words.map((w) => `'${w}'`).join(' ');
    const r = await run('bash', ['-c', `${script.stdout}\nCOMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _keywarden; printf '%s\\n' "\${COMPREPLY[@]}"`]);
    if (r.status === 127 || /not found/.test(r.stderr)) t.skip('no bash');
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean);
  };
  assert.deepEqual(await complete('keywarden', 'cl'), ['clock', 'cluster', 'cloudhsm-cli', 'cloudhsm_mgmt_util']);
  assert.deepEqual(await complete('keywarden', 'clock', 'a'), ['advance']);
  assert.deepEqual(await complete('keywarden', 'fault', 'limit-sessions', '--p'), ['--per-hsm', '--profile']);
  assert.deepEqual(await complete('keywarden', 'serve', '--allow'), ['--allow-clock-control']);
  assert.deepEqual(await complete('keywarden', 'serve', '--data-dir', 'dist/sr'), ['dist/src']);
  const bad = await keywarden('completion', 'fish');
  oneUsageError(bad, 'completion', /^keywarden: SHELL must be bash, not 'fish'$/);
});
