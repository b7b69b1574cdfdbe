import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';

/**
 * Where an HSM tool reads its commands and writes its replies. On a terminal it prompts, keeps a
 * history and reads passwords without echo; from a pipe or file it reads one command per line,
 * prints no prompts, and still prints every reply.
 */
export interface Terminal {
  readonly interactive: boolean;
  /** The next line, or undefined at the end of input. */
  readLine(prompt: string): Promise<string | undefined>;
  /** A line typed without echo (a password); from a pipe, simply the next line. */
  readSecret(prompt: string): Promise<string | undefined>;
  /**
   * A new password and its confirmation: typed twice without echo on a terminal; from a pipe, the
   * next line, which answers both prompts (a script has no typing mistake to catch).
   */
  readNewSecret(prompt: string, again: string): Promise<[string, string] | undefined>;
  /** Writes text and a newline to standard output. */
  print(text: string): void;
  /** Writes to standard error (notes that are not a command's reply). */
  note(text: string): void;
  close(): void;
}

export function openTerminal(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WriteStream = process.stdout): Terminal {
  const interactive = Boolean((input as NodeJS.ReadStream).isTTY && output.isTTY);
  return interactive ? new TtyTerminal(input, output) : new PipeTerminal(input, output);
}

class PipeTerminal implements Terminal {
  readonly interactive = false;
  private readonly lines: AsyncIterator<string>;
  private readonly rl: Interface;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
  ) {
    this.rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
    this.lines = this.rl[Symbol.asyncIterator]();
  }

  async readLine(): Promise<string | undefined> {
    const next = await this.lines.next();
    return next.done ? undefined : next.value;
  }

  readSecret(): Promise<string | undefined> {
    return this.readLine();
  }

  async readNewSecret(): Promise<[string, string] | undefined> {
    const line = await this.readLine();
    return line === undefined ? undefined : [line, line];
  }

  print(text: string): void {
    this.output.write(text + '\n');
  }

  note(text: string): void {
    process.stderr.write(text + '\n');
  }

  close(): void {
    this.rl.close();
  }
}

/** Forwards what readline writes, except while muted (so typed passwords are not echoed). */
class MutableOutput extends Writable {
  muted = false;

  constructor(private readonly target: NodeJS.WriteStream) {
    super();
  }

  get columns(): number {
    return this.target.columns;
  }

  get isTTY(): boolean {
    return true;
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    if (!this.muted) this.target.write(chunk, encoding);
    done();
  }
}

class TtyTerminal implements Terminal {
  readonly interactive = true;
  private readonly out: MutableOutput;
  private readonly rl: Interface;
  private readonly lines: AsyncIterator<string>;

  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WriteStream,
  ) {
    this.out = new MutableOutput(output);
    this.rl = createInterface({ input, output: this.out, terminal: true, historySize: 200 });
    // Ctrl-C ends the tool like the end of input (a held session stays open, as after quit).
    this.rl.on('SIGINT', () => {
      this.output.write('\n');
      this.rl.close();
    });
    this.lines = this.rl[Symbol.asyncIterator]();
  }

  async readLine(prompt: string): Promise<string | undefined> {
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    const next = await this.lines.next();
    return next.done ? undefined : next.value;
  }

  async readSecret(prompt: string): Promise<string | undefined> {
    this.output.write(prompt);
    this.rl.setPrompt('');
    this.out.muted = true;
    try {
      const next = await this.lines.next();
      // Keep the password out of the up-arrow history.
      (this.rl as unknown as { history?: string[] }).history?.shift();
      return next.done ? undefined : next.value;
    } finally {
      this.out.muted = false;
      this.output.write('\n');
    }
  }

  async readNewSecret(prompt: string, again: string): Promise<[string, string] | undefined> {
    const first = await this.readSecret(prompt);
    if (first === undefined) return undefined;
    return [first, (await this.readSecret(again)) ?? ''];
  }

  print(text: string): void {
    this.output.write(text + '\n');
  }

  note(text: string): void {
    process.stderr.write(text + '\n');
  }

  close(): void {
    this.rl.close();
  }
}

/**
 * Splits a command line into words like a shell: whitespace separates, single or double quotes
 * group and are removed (`attr.label="my key"` is one word, `attr.label=my key`).
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) words.push(word);
  return words;
}
