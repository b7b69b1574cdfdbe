import type { OptionSpecs } from './args.js';
import { type Command, commandName, COMMANDS, type Group, GROUPS } from './commands.js';

// The help texts, all made from the command table: the list of commands, a group's subcommands,
// and a command's usage, options and examples.

const WIDTH = 100;
const COLUMN = 30;

/** `keywarden --help`. */
export function mainHelp(): string {
  const lines = [
    'Usage: keywarden <command> [options]',
    '       keywarden <command> --help     the command\u2019s options and examples',
    '       keywarden --version',
    '',
    'Keywarden is a key management service that speaks the AWS KMS API, with HSM clusters attached as custom key stores.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => entry(`${commandName(c)}${operandText(c)}`, c.summary)),
    '',
    ...wrap(
      'The commands that call a running service (all but serve, reset, completion and doctor, which checks AWS as well ' +
        'and so takes its endpoint, credentials and Region from the AWS chain alone: see keywarden doctor --help) find it and sign their calls as ' +
        'the AWS CLI does: --endpoint URL, or KEYWARDEN_ENDPOINT, AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL, the ' +
        'profile\u2019s endpoint_url, then http://127.0.0.1:4599 (an https:// endpoint is checked against AWS_CA_BUNDLE ' +
        'when it is set); the credentials of AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or of --profile / AWS_PROFILE ' +
        'in the shared config and credentials files, else the dev credential test / test; the region of --region, ' +
        'AWS_REGION, AWS_DEFAULT_REGION or the profile, else us-east-1. --json prints one JSON object.',
      '',
    ),
    '',
    'Examples:',
    '  keywarden serve',
    '  keywarden clock advance 30d',
    '  keywarden fault list --json --endpoint http://127.0.0.1:4600',
    '  keywarden serve --help',
  ];
  return lines.join('\n') + '\n';
}

/** `keywarden fault --help`: the group's subcommands. */
export function groupHelp(group: Group): string {
  const members = COMMANDS.filter((c) => c.path[0] === group.name);
  const lines = [
    `Usage: keywarden ${group.name} <command> [options]`,
    '',
    ...wrap(capitalise(group.summary) + '.' + (group.description ? ` ${group.description}` : ''), ''),
    '',
    'Commands:',
    ...members.map((c) => entry(`${c.path.slice(1).join(' ')}${operandText(c)}`, c.summary)),
    '',
    `Run 'keywarden ${group.name} <command> --help' for a command\u2019s options and examples.`,
  ];
  return lines.join('\n') + '\n';
}

/** `keywarden clock advance --help`. */
export function commandHelp(c: Command): string {
  const lines = [
    ...usageLines(c),
    '',
    ...wrap(capitalise(c.summary) + '.' + (c.description ? ` ${c.description}` : ''), ''),
    '',
    'Options:',
    ...Object.entries(c.options).map(([name, o]) => entry(`${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`, o.help)),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
  ];
  return lines.join('\n') + '\n';
}

/** `Usage: keywarden fault limit-sessions --cluster-id ID --per-hsm N [--endpoint URL] …`, wrapped. */
export function usageLines(c: Command): string[] {
  const words = [`keywarden ${commandName(c)}`, ...(c.operands ?? []).map((o) => (o.optional ? `[${o.name}]` : o.name)), ...optionWords(c.options)];
  const lead = 'Usage: ';
  const lines: string[] = [];
  let line = lead;
  for (const w of words) {
    if (line.length > lead.length && line.length + 1 + w.length > WIDTH) {
      lines.push(line);
      line = ' '.repeat(lead.length + `keywarden ${commandName(c)}`.length + 1) + w;
    } else line += (line.length > lead.length ? ' ' : '') + w;
  }
  lines.push(line);
  return lines;
}

function optionWords(options: OptionSpecs): string[] {
  const word = (name: string) => `--${name}${options[name]!.value ? ` ${options[name]!.value}` : ''}`;
  const names = Object.keys(options).filter((n) => n !== 'help');
  return [...names.filter((n) => options[n]!.required).map(word), ...names.filter((n) => !options[n]!.required).map((n) => `[${word(n)}]`)];
}

const operandText = (c: Command) => (c.operands ?? []).map((o) => ` ${o.optional ? `[${o.name}]` : o.name}`).join('');

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** An indented term and its description, the description wrapped in its own column. */
function entry(term: string, text: string): string {
  const head = `  ${term}`;
  const body = wrap(text, ' '.repeat(COLUMN));
  if (head.length < COLUMN - 1) return head + body[0]!.slice(head.length) + (body.length > 1 ? '\n' + body.slice(1).join('\n') : '');
  return `${head}\n${body.join('\n')}`;
}

function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line.length > indent.length && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent + word;
    } else line += (line.length > indent.length ? ' ' : '') + word;
  }
  lines.push(line);
  return lines;
}
