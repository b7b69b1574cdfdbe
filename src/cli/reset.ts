import { createInterface } from 'node:readline';
import { type Args, stringOption } from './args.js';
import { print } from './client.js';

/**
 * `keywarden reset --data-dir DIR [--yes]`: deletes a stopped service's keys, clusters, audit
 * trail and root key, after asking (a line from standard input, a terminal or not) unless --yes.
 */
export async function reset(args: Args): Promise<number> {
  const { prepareReset } = await import('../storage/data-dir-reset.js');
  const dataDir = stringOption(args, 'data-dir') ?? './.keywarden';
  const pending = prepareReset(dataDir);
  if (!pending || pending.present.length === 0) {
    const dir = pending?.dir ?? dataDir;
    pending?.cancel();
    print(args, { DataDir: dir, Deleted: [] }, () => `nothing to reset: ${dir} holds no Keywarden data`);
    return 0;
  }
  if (args.options.get('yes') !== true) {
    const answer = await ask(
      `Delete the keys, clusters, audit trail and root key kept in ${pending.dir} (${pending.present.join(', ')})? This cannot be undone. [y/N] `,
    );
    if (answer === undefined || !/^y(es)?$/i.test(answer.trim())) {
      pending.cancel();
      const why = answer === undefined ? 'no answer (end of input)' : `the answer was '${answer.trim()}'`;
      throw new Error(`${why}; nothing was deleted. Answer y, or pass --yes to reset without asking.`);
    }
  }
  const deleted = pending.apply();
  print(args, { DataDir: pending.dir, Deleted: deleted }, () => `reset ${pending.dir}: deleted ${deleted.join(', ')}`);
  return 0;
}

/** The question on stderr (stdout is for the result), the answer the next line of standard input. */
function ask(question: string): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY && process.stderr.isTTY) });
  return new Promise((resolve) => {
    let answered = false;
    rl.once('close', () => {
      if (!answered) {
        process.stderr.write('\n');
        resolve(undefined);
      }
    });
    rl.question(question, (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
  });
}
