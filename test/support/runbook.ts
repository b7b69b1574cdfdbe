import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, type TestServer } from './server.js';
import { pathWithRealTools } from './tools.js';
import { setUpAsTheGuideDoes } from './runbook-setup.js';

// docs/runbooks.md is executed, not just read. Its commands are terminal transcripts in ```console
// blocks, each preceded by `<!-- runbook: SECTION/STEP -->`: a line starting with `$ ` is a command
// (continued by a trailing `\`, or by a heredoc up to its end word), and the lines after it, up to
// the next command, are what it prints. Inside a session of one of the CloudHSM tools, lines that
// start with the tool's prompt are the commands typed into it. The scenarios in test/runbooks/ run
// the blocks in a bash session per scenario lane, after putting the values of `<placeholders>` in,
// and require every command to print exactly what the guide shows, so the guide cannot drift.
//
// Matching: each line is compared with runs of blanks collapsed and its ends trimmed, blank lines
// are ignored, a line `...` stands for any number of lines, and a `<placeholder>` that has no
// value yet matches one word ([^\s"',]+) and takes it as its value. Values printed in the guide's
// setup last for the whole lane; the others only until the lane moves on to another section.

export const GUIDE = join(ROOT, 'docs', 'runbooks.md');

/** The CloudHSM tools whose sessions a transcript can show, with their prompts. */
const TOOL_PROMPTS: Record<string, string> = {
  'cloudhsm-cli': 'aws-cloudhsm > ',
  cloudhsm_mgmt_util: 'aws-cloudhsm>',
  key_mgmt_util: 'Command: ',
};

export interface Step {
  /** The command as the reader types it (continuation lines and heredoc included). */
  command: string;
  /** What a tool session gets on standard input: the lines typed at its prompt. */
  input?: string[];
  /** What the command prints, as the guide shows it. */
  expected: string[];
  line: number;
}

export interface Block {
  id: string;
  section: string;
  line: number;
  steps: Step[];
}

export interface Guide {
  blocks: Block[];
  /** Fenced blocks of shell languages without a marker, and other mistakes in the markup. */
  problems: string[];
}

const MARKER = /^<!-- runbook: ([a-z0-9-]+)\/([a-z0-9-]+) -->$/;
const SHELL_LANGS = new Set(['console', 'sh', 'bash', 'shell', 'shell-session']);

export function parseGuide(markdown: string): Guide {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const lang = fence[1]!;
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    const body = lines.slice(i + 1, end);
    const marker = MARKER.exec(lines[i - 1] ?? '');
    if (marker) {
      const id = `${marker[1]}/${marker[2]}`;
      if (lang !== 'console') problems.push(`line ${i + 1}: the runbook block ${id} must be a \`\`\`console transcript`);
      if (seen.has(id)) problems.push(`line ${i + 1}: the runbook block ${id} appears twice`);
      seen.add(id);
      try {
        blocks.push({ id, section: marker[1]!, line: i + 1, steps: parseTranscript(body, i + 2) });
      } catch (err) {
        problems.push(`line ${i + 1}: ${(err as Error).message}`);
      }
    } else if (SHELL_LANGS.has(lang) || body.some((l) => /^\$ /.test(l))) {
      problems.push(`line ${i + 1}: a \`\`\`${lang || '(no language)'} block with commands has no <!-- runbook: section/step --> marker, so no scenario runs it`);
    }
    i = end;
  }
  return { blocks, problems };
}

function parseTranscript(body: string[], firstLine: number): Step[] {
  const steps: Step[] = [];
  let i = 0;
  if (body.length > 0 && !body[0]!.startsWith('$ ')) throw new Error('a transcript starts with a command ($ …)');
  while (i < body.length) {
    const line = firstLine + i;
    let command = body[i]!.slice(2);
    i++;
    while (command.endsWith('\\') && i < body.length) command += '\n' + body[i++]!;
    const heredoc = /<<-?\s*'?([A-Za-z_]+)'?/.exec(command);
    if (heredoc) {
      while (i < body.length && body[i] !== heredoc[1]) command += '\n' + body[i++]!;
      if (i >= body.length) throw new Error(`the heredoc of the command on line ${line} has no end line ${heredoc[1]}`);
      command += '\n' + body[i++]!;
    }
    const tool = Object.keys(TOOL_PROMPTS).find((t) => new RegExp(`keywarden ${t} `).test(command) && !heredoc && !command.includes('|'));
    const expected: string[] = [];
    const input: string[] = [];
    while (i < body.length && !body[i]!.startsWith('$ ')) {
      const text = body[i++]!;
      const prompt = tool && TOOL_PROMPTS[tool]!;
      if (prompt && text.startsWith(prompt.trimEnd())) input.push(text.slice(prompt.trimEnd().length).trim());
      else {
        // cloudhsm_mgmt_util's confirmation: the answer typed after the question is input too.
        const answer = tool && /\(y\/n\)\?([yn])$/.exec(text);
        if (answer) input.push(answer[1]!);
        expected.push(text);
      }
    }
    steps.push({ command, expected, line, ...(tool ? { input } : {}) });
  }
  return steps;
}

export function loadGuide(): Guide {
  return parseGuide(readFileSync(GUIDE, 'utf8'));
}

/** The flags `keywarden serve` takes in the block `id` (the guide says how to start the service). */
export function serveFlags(guide: Guide, id: string): string[] {
  const block = guide.blocks.find((b) => b.id === id);
  assert.ok(block, `docs/runbooks.md has no block ${id}`);
  const command = block.steps[0]!.command;
  const m = /^\.\/bin\/keywarden serve (.*)$/.exec(command);
  assert.ok(m, `${id} starts the service: ${command}`);
  // The test server chooses its own port and data directory.
  const words = m[1]!.split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '--port' || words[i] === '--data-dir') i++;
    else out.push(words[i]!);
  }
  return out;
}

/** Commands that read a state that changes after the call that changed it. */
const STATE_READ = /^aws (kms describe-custom-key-stores|cloudhsmv2 describe-clusters) .*--query /;
const STATE_WAIT_MS = 15_000;

const normalise = (line: string) => line.replace(/[ \t]+/g, ' ').trim();
const noBlank = (lines: string[]) => lines.filter((l) => l !== '');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const PLACEHOLDER = /<([a-z][a-z0-9-]*)>/g;

/**
 * Matches a command's output against the lines the guide shows; returns the values the output
 * gave to placeholders that had none, or throws an AssertionError that shows both.
 */
export function matchOutput(expected: string[], actual: string, vars: ReadonlyMap<string, string>, where: string): Map<string, string> {
  const want = noBlank(expected.map(normalise));
  const got = noBlank(actual.replace(/\r/g, '').split('\n').map(normalise));
  const groups: string[] = [];
  let pattern = '';
  for (const line of want) {
    if (line === '...') {
      pattern += '(?:[^\\n]*\\n)*?';
      continue;
    }
    let last = 0;
    for (const m of line.matchAll(PLACEHOLDER)) {
      pattern += escape(line.slice(last, m.index));
      const name = m[1]!;
      const known = vars.get(name);
      if (known !== undefined) pattern += escape(known);
      else if (groups.includes(name)) pattern += `\\k<g${groups.indexOf(name)}>`;
      else {
        groups.push(name);
        pattern += `(?<g${groups.length - 1}>[^\\s"',]+)`;
      }
      last = m.index! + m[0].length;
    }
    pattern += escape(line.slice(last)) + '\\n';
  }
  const text = got.join('\n');
  const m = new RegExp(`^${pattern}$`).exec(got.length === 0 ? '' : text + '\n');
  if (!m) {
    throw new assert.AssertionError({
      message: `${where}: the output differs from docs/runbooks.md\n--- the guide shows\n${want.join('\n')}\n--- the command printed\n${text}\n---`,
      expected: want.join('\n'),
      actual: text,
      operator: 'matchOutput',
    });
  }
  return new Map(groups.map((name, n) => [name, m.groups![`g${n}`]!]));
}

/** A bash session, as a reader has one: variables and exports persist from command to command. */
export class Shell {
  private readonly child: ChildProcess;
  private buffer = '';
  private steps = 0;
  private readonly nonce = randomBytes(6).toString('hex');
  private wake: (() => void) | undefined;
  private exited = false;

  constructor(
    readonly dir: string,
    env: Record<string, string>,
  ) {
    this.child = spawn('bash', ['--noprofile', '--norc'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const take = (c: Buffer) => {
      this.buffer += c.toString();
      this.wake?.();
    };
    this.child.stdout!.on('data', take);
    this.child.stderr!.on('data', take);
    this.child.on('exit', () => {
      this.exited = true;
      this.wake?.();
    });
    // One stream, in the order a terminal shows it.
    this.child.stdin!.write('exec 2>&1\n');
  }

  /** Runs one command as if typed; its output (standard output and error) and exit status. */
  async run(command: string, input: string[] | undefined, timeoutMs = 120_000): Promise<{ output: string; status: number }> {
    const n = ++this.steps;
    const file = join(this.dir, `.step-${n}.sh`);
    const stdin = input === undefined ? '</dev/null' : `<<'KW_RUNBOOK_INPUT'\n${input.join('\n')}\nKW_RUNBOOK_INPUT`;
    writeFileSync(file, `${command}\n`);
    const marker = `__runbook_${this.nonce}_${n}__`;
    this.buffer = '';
    this.child.stdin!.write(`. ${file} ${stdin}\nprintf '\\n${marker} %s\\n' "$?"\n`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.buffer.indexOf(`\n${marker} `);
      const eol = at === -1 ? -1 : this.buffer.indexOf('\n', at + 1);
      if (eol !== -1) {
        const status = Number(this.buffer.slice(at + marker.length + 2, eol));
        return { output: this.buffer.slice(0, at), status };
      }
      if (this.exited) throw new Error(`the shell exited while running: ${command}\n${this.buffer}`);
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms running: ${command}\n${this.buffer}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 1000).unref();
      });
      this.wake = undefined;
    }
  }

  close(): void {
    this.child.stdin!.end('exit\n');
  }
}

export interface LaneOptions {
  /** The Region the lane's resources live in: lanes in different Regions do not see each other's subnets. */
  region?: string;
}

const GUIDE_ENDPOINT = 'http://127.0.0.1:4599';
const GUIDE_REGION = 'us-east-1';

/**
 * One reader at one terminal, in a directory of their own: runs the guide's blocks with the
 * values of the placeholders put in. The guide is written for `http://127.0.0.1:4599` and
 * us-east-1; a lane talks to the test server and may live in another Region, and what it prints
 * is shown as the guide would show it.
 */
export class Lane {
  readonly vars = new Map<string, string>();
  /** Placeholders that last for the whole lane: printed by the setup, or set by the scenario. */
  private readonly lasting = new Set<string>();
  private section: string | undefined;
  readonly shell: Shell;
  readonly dir: string;

  constructor(
    private readonly book: Runbook,
    readonly name: string,
    private readonly endpoint: string,
    readonly region: string,
  ) {
    this.dir = join(book.workDir, name);
    mkdirSync(this.dir);
    symlinkSync(join(ROOT, 'bin'), join(this.dir, 'bin'));
    this.shell = new Shell(this.dir, {
      PATH: pathWithRealTools(),
      HOME: this.dir,
      LANG: 'C.UTF-8',
      // Isolation from the machine's own AWS and Keywarden settings (the guide's setup exports
      // what a reader needs); each reader keeps their own CloudHSM tool sessions.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_PAGER: '',
      KEYWARDEN_STATE_DIR: join(this.dir, '.keywarden-state'),
    });
  }

  /** Gives a placeholder a value the scenario found itself. */
  set(name: string, value: string): this {
    this.vars.set(name, value);
    this.lasting.add(name);
    return this;
  }

  /** Makes placeholders printed by a section last for the whole lane, as the setup's do. */
  keep(...names: string[]): this {
    for (const name of names) this.set(name, this.get(name));
    return this;
  }

  get(name: string): string {
    const v = this.vars.get(name);
    assert.ok(v !== undefined, `<${name}> has no value yet`);
    return v;
  }

  /** Runs every step of the guide's block `id`, checking what each prints. Returns the outputs. */
  async run(id: string): Promise<string[]> {
    const block = this.book.block(id);
    if (block.section !== this.section) {
      for (const name of [...this.vars.keys()]) if (!this.lasting.has(name)) this.vars.delete(name);
      this.section = block.section;
    }
    const outputs: string[] = [];
    for (const step of block.steps) {
      const where = `${id} (docs/runbooks.md line ${step.line}, lane ${this.name})`;
      const command = this.fill(step.command, where);
      const input = step.input?.map((l) => this.fill(l, where));
      // A connection, like a cluster's change of state, completes after the call that started it;
      // a reader who reads the state before it has (CONNECTING where the guide shows CONNECTED)
      // reads it again, as AWS's guides tell them to. Other commands get one run.
      const deadline = Date.now() + (STATE_READ.test(command) ? STATE_WAIT_MS : 0);
      for (;;) {
        const { output } = await this.shell.run(command, input);
        const shown = this.asGuideShows(output);
        const known = new Map([...this.vars].map(([k, v]) => [k, this.asGuideShows(v)]));
        let found: Map<string, string>;
        try {
          found = matchOutput(step.expected, shown, known, `${where}: $ ${step.command.split('\n')[0]}`);
        } catch (err) {
          if (Date.now() >= deadline) throw err;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        for (const [name, value] of found) {
          this.vars.set(name, this.fromGuide(value));
          if (block.section === 'setup') this.lasting.add(name);
        }
        outputs.push(shown);
        break;
      }
    }
    this.book.ran(id);
    return outputs;
  }

  /** Runs a command that is not in the guide (the scenario's own checks), in the same shell. */
  async exec(command: string): Promise<{ output: string; status: number }> {
    return this.shell.run(command, undefined);
  }

  private fill(text: string, where: string): string {
    const filled = text.replace(PLACEHOLDER, (whole, name: string) => {
      const v = this.vars.get(name);
      if (v === undefined) throw new Error(`${where}: <${name}> has no value; an earlier step must print it or the scenario must set it`);
      return v;
    });
    return filled.replaceAll(GUIDE_ENDPOINT, this.endpoint).replaceAll(GUIDE_REGION, this.region);
  }

  private asGuideShows(output: string): string {
    return output.replaceAll(this.endpoint, GUIDE_ENDPOINT).replaceAll(this.region, GUIDE_REGION);
  }

  private fromGuide(value: string): string {
    return value.replaceAll(GUIDE_ENDPOINT, this.endpoint).replaceAll(GUIDE_REGION, this.region);
  }

  close(): void {
    this.shell.close();
  }
}

/**
 * The guide as one scenario file uses it: the sections the file proves (every block of each must
 * run and match before the file ends), lanes to run them in, and a work directory for the lanes.
 */
export class Runbook {
  readonly guide = loadGuide();
  readonly workDir = mkdtempSync(join(tmpdir(), 'keywarden-runbook-'));
  private readonly done = new Set<string>();
  private readonly lanes: Lane[] = [];

  readonly sections: readonly string[];

  constructor(sections: readonly string[]) {
    this.sections = sections;
    assert.deepEqual(this.guide.problems, [], 'docs/runbooks.md is well formed');
    for (const s of sections) assert.ok(this.guide.blocks.some((b) => b.section === s), `docs/runbooks.md has no section ${s}`);
  }

  block(id: string): Block {
    const block = this.guide.blocks.find((b) => b.id === id);
    assert.ok(block, `docs/runbooks.md has no block ${id}`);
    return block;
  }

  ran(id: string): void {
    this.done.add(id);
  }

  /** Starts `keywarden serve` with the flags the guide's block `id` gives it, and the scenario's own `extra` ones. */
  async server(id: string, extra: string[] = []): Promise<TestServer> {
    const server = await startServer({ args: [...serveFlags(this.guide, id), ...extra] });
    this.ran(id);
    return server;
  }

  lane(name: string, endpoint: string, opts: LaneOptions = {}): Lane {
    const lane = new Lane(this, name, endpoint, opts.region ?? GUIDE_REGION);
    this.lanes.push(lane);
    return lane;
  }

  /** The blocks of this file's sections that no scenario ran. */
  notRun(): string[] {
    return this.guide.blocks.filter((b) => this.sections.includes(b.section) && !this.done.has(b.id)).map((b) => b.id);
  }

  close(): void {
    for (const lane of this.lanes) lane.close();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** `new Runbook([...sections])`: the scenario file claims those sections of the guide. */
export const runbook = (sections: readonly string[]) => new Runbook(sections);

/**
 * The shared setting of a scenario file: one server started from the guide's `setup/serve` block
 * (in `before`, disposed with the runbook in `after`), and `ready`, a reader in its own lane who
 * has followed "Before you start" (a connected store, a key, before.bin): by running its blocks
 * (`byTheGuide`, in the file that proves them), or, for the others, in this process through the
 * SDK, which leaves the same state for a fraction of the CPU of eight more commands.
 */
/** The blocks of "Before you start" that a reader runs in their shell. */
export const SETUP_BLOCKS = ['setup/env', 'setup/cluster', 'setup/key-store', 'setup/key'];

export function sharedSetup(book: Runbook) {
  let server: TestServer | undefined;
  before(async () => {
    server = await book.server('setup/serve');
  });
  after(async () => {
    await server?.dispose();
    book.close();
  });
  const url = () => server!.url;
  return {
    url,
    async ready(name: string, region: string, opts: { byTheGuide?: boolean } = {}): Promise<Lane> {
      const lane = book.lane(name, url(), { region });
      if (opts.byTheGuide) for (const id of SETUP_BLOCKS) await lane.run(id);
      else await setUpAsTheGuideDoes(lane, url());
      return lane;
    },
  };
}
