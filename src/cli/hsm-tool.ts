import { type Args, stringOption, UsageError } from './args.js';
import { clientConfig, ServiceCallError } from './client.js';
import { HsmConnection } from './hsm-connection.js';
import { openTerminal, splitWords, type Terminal } from './hsm-terminal.js';

export interface ToolContext {
  conn: HsmConnection;
  term: Terminal;
}

/** One of the CloudHSM command-line tools: its prompt and how it runs one command line. */
export interface Dialect {
  /** The command's name (`cloudhsm-cli`); also keys the saved session. */
  tool: string;
  prompt: string;
  exitCommands: ReadonlySet<string>;
  /** Runs one command line; resolves true when the command succeeded. */
  run(words: string[], ctx: ToolContext): Promise<boolean>;
}

/**
 * Runs a tool against `--cluster-id`: interactively on a terminal, or one command per line from
 * standard input. From a script, the exit status is 1 when the last command failed.
 */
export async function runHsmTool(dialect: Dialect, args: Args): Promise<number> {
  const clusterId = stringOption(args, 'cluster-id');
  if (!clusterId) throw new UsageError(`--cluster-id is required, for example: keywarden ${dialect.tool} --cluster-id cluster-igklspoyj5v`);
  const extra = args.positional.filter((w) => w !== 'interactive');
  if (extra.length > 0) throw new UsageError(`${dialect.tool} reads its commands from standard input; unexpected '${extra.join(' ')}'.`);
  const { connection: conn, resumed, notResumed } = await HsmConnection.open(await clientConfig(args), clusterId, dialect.tool);
  const term = openTerminal();
  if (resumed && conn.session) {
    term.note(`Resuming the session of ${conn.session.username} (${conn.session.role}) that an earlier run left open; 'logout' ends it.`);
  }
  if (notResumed) term.note(`Note: ${notResumed}`);
  let lastFailed = false;
  try {
    for (;;) {
      const line = await term.readLine(dialect.prompt);
      if (line === undefined) break;
      let words: string[];
      try {
        words = splitWords(line);
      } catch (err) {
        term.note(`error: ${(err as Error).message}`);
        lastFailed = true;
        continue;
      }
      if (words.length === 0 || words[0]!.startsWith('#')) continue;
      if (dialect.exitCommands.has(words[0]!)) break;
      try {
        lastFailed = !(await dialect.run(words, { conn, term }));
      } catch (err) {
        term.note(`error: ${describeError(err)}`);
        lastFailed = true;
      }
    }
  } finally {
    term.close();
  }
  if (conn.session && term.interactive) {
    term.note(`The session of ${conn.session.username} stays open on the cluster until you run 'logout'.`);
  }
  return !term.interactive && lastFailed ? 1 : 0;
}

/** The service's message without its error type, or the local failure. */
export function describeError(err: unknown): string {
  if (err instanceof ServiceCallError) return err.message.slice(err.type.length + 2);
  return err instanceof Error ? err.message : String(err);
}

/** A password from the command line, or typed at a prompt (twice on a terminal when `confirm`). */
export async function readPassword(term: Terminal, given: string | undefined, confirm: boolean): Promise<string> {
  if (given !== undefined) return given;
  if (!confirm) {
    const password = await term.readSecret('Enter password:');
    if (password === undefined) throw new Error('no password was given (end of input)');
    return password;
  }
  const typed = await term.readNewSecret('Enter password:', 'Confirm password:');
  if (typed === undefined) throw new Error('no password was given (end of input)');
  if (typed[0] !== typed[1]) throw new PasswordMismatch('Passwords do not match');
  return typed[0];
}

export class PasswordMismatch extends Error {}
