import { type Args, UsageError } from './args.js';
import { type Command, COMMANDS } from './commands.js';

/** `keywarden completion bash`: a completion function made from the command table. */
export async function completion(args: Args): Promise<number> {
  const [shell] = args.positional;
  if (shell !== 'bash') throw new UsageError(`completion supports bash, not '${shell}'.`);
  process.stdout.write(bashScript());
  return 0;
}

const quote = (words: Iterable<string>) => [...words].join(' ');

/** Options whose value is a file or a directory complete as paths; the others as nothing. */
function valueKinds(): { files: Set<string>; dirs: Set<string>; others: Set<string> } {
  const files = new Set<string>();
  const dirs = new Set<string>();
  const others = new Set<string>();
  for (const c of COMMANDS) {
    for (const [name, o] of Object.entries(c.options)) {
      if (o.type !== 'string') continue;
      (o.value === 'FILE' ? files : o.value === 'DIR' ? dirs : others).add(`--${name}`);
    }
  }
  for (const f of files) others.delete(f);
  for (const d of dirs) others.delete(d);
  return { files, dirs, others };
}

function wordsFor(c: Command): string {
  const operandValues = (c.operands ?? []).flatMap((o) => o.values ?? []);
  return quote([...operandValues, ...Object.keys(c.options).map((n) => `--${n}`)]);
}

function bashScript(): string {
  const top = new Set(COMMANDS.map((c) => c.path[0]!));
  const groups = new Map<string, Command[]>();
  for (const c of COMMANDS) if (c.path.length === 2) groups.set(c.path[0]!, [...(groups.get(c.path[0]!) ?? []), c]);
  const { files, dirs, others } = valueKinds();
  const cases: string[] = [];
  for (const c of COMMANDS) {
    if (c.path.length === 1) cases.push(`    '${c.path[0]}') opts='${wordsFor(c)}' ;;`);
  }
  for (const [group, members] of groups) {
    cases.push(
      `    '${group}')`,
      `      if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -W '${quote(members.map((m) => m.path[1]!))}' -- "$cur")); return; fi`,
      `      case "\${COMP_WORDS[2]}" in`,
      ...members.map((m) => `        '${m.path[1]}') opts='${wordsFor(m)}' ;;`),
      '      esac ;;',
    );
  }
  return `# bash completion for keywarden (made by: keywarden completion bash)
_keywarden() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" opts=''
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W '${quote(top)} help --help --version' -- "$cur"))
    return
  fi
  case "$prev" in
    ${[...files].join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    ${[...dirs].join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    ${[...others].join('|')}) return ;;
  esac
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -o default -F _keywarden keywarden
`;
}
