import { nearestOption, OptionError, parseOptions, UsageError } from './args.js';
import { type Command, commandName, COMMANDS, GROUPS } from './commands.js';
import { commandHelp, groupHelp, mainHelp, usageLines } from './help.js';
import { packageVersion as keywardenVersion } from '../observability/package-version.js';

// The AWS SDK clients that doctor and the CloudHSM tools load warn on every run that their releases
// after January 2027 need Node 22. The lockfile pins this release, which runs on the Node versions
// package.json names, so the warning would only be noise on a user's terminal.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The command being run, whose usage a mistake in its options prints. */
let current: Command | undefined;

async function main(argv: string[]): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h') return out(mainHelp());
  if (first === '--version') return out(`keywarden ${keywardenVersion()}\n`);
  if (first === 'help') return help(argv.slice(1));

  const group = GROUPS.find((g) => g.name === first);
  let command: Command | undefined;
  if (group) {
    const members = COMMANDS.filter((c) => c.path[0] === group.name);
    if (second === undefined || second.startsWith('-')) {
      if (wantsHelp(argv.slice(1))) return out(groupHelp(group));
      throw new UsageError(`${group.name} needs a subcommand: ${list(members.map((c) => c.path[1]!))}. Run 'keywarden ${group.name} --help' for what each does.`);
    }
    command = members.find((c) => c.path[1] === second);
    if (!command) {
      const near = nearestOption(second, members.map((c) => c.path[1]!));
      throw new UsageError(`'${group.name} ${second}' is not a ${group.name} command${near ? ` (did you mean '${group.name} ${near}'?)` : ''}; run 'keywarden ${group.name} --help' to list them.`);
    }
  } else {
    command = COMMANDS.find((c) => c.path.length === 1 && c.path[0] === first);
    if (!command) {
      const near = nearestOption(first, [...new Set(COMMANDS.map((c) => c.path[0]!))]);
      throw new UsageError(`unknown command '${first}'${near ? ` (did you mean '${near}'?)` : ''}. Run 'keywarden --help' to list the commands.`);
    }
  }

  current = command;
  const rest = argv.slice(command.path.length);
  if (wantsHelp(rest)) return out(commandHelp(command));
  const args = parseOptions(rest, command.options);
  const operands = command.operands ?? [];
  const needed = operands.filter((o) => !o.optional);
  if (args.positional.length < needed.length) {
    const missing = needed[args.positional.length]!;
    throw new UsageError(`${commandName(command)} needs ${missing.name}, for example: ${command.examples[0]}`);
  }
  if (args.positional.length > operands.length) {
    throw new OptionError(`unexpected argument '${args.positional[operands.length]}'`);
  }
  for (const [i, word] of args.positional.entries()) {
    const { name, values, optional } = operands[i]!;
    if (values && !values.includes(word)) throw new OptionError(optional ? `unexpected argument '${word}'` : `${name} must be ${list(values)}, not '${word}'`);
  }
  return command.run({ positional: [...command.path.slice(1), ...args.positional], options: args.options });
}

/** `keywarden help [COMMAND [SUBCOMMAND]]`. */
function help(words: string[]): number {
  if (words.length === 0) return out(mainHelp());
  const command = COMMANDS.find((c) => c.path.join(' ') === words.join(' '));
  if (command) return out(commandHelp(command));
  const group = words.length === 1 ? GROUPS.find((g) => g.name === words[0]) : undefined;
  if (group) return out(groupHelp(group));
  throw new UsageError(`there is no command '${words.join(' ')}'. Run 'keywarden --help' to list the commands.`);
}

/** --help or -h among a command's words (before any `--`). */
function wantsHelp(words: string[]): boolean {
  const end = words.indexOf('--');
  return (end === -1 ? words : words.slice(0, end)).some((w) => w === '--help' || w === '-h');
}

function out(text: string): number {
  process.stdout.write(text);
  return 0;
}

const list = (words: string[]) => (words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`);

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    let text = `keywarden: ${message}\n`;
    if (err instanceof OptionError && current) {
      text += `${usageLines(current).join('\n')}\nRun 'keywarden ${commandName(current)} --help' for the options and examples.\n`;
    }
    process.stderr.write(text);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
