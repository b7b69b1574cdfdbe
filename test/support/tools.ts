import { execFileSync, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The programs the tests run (the AWS CLI, Python with boto3), found once. A version manager's
// shim (pyenv's) is a shell script that works out which installation to run on every call, which
// adds about a tenth of a second to each of the suite's thousand-odd AWS CLI calls; the tests call
// the program it would run instead.

/** Programs found by the process that started this one (the runner: see startSharedAwsCli). */
const PROGRAMS = 'KEYWARDEN_TEST_PROGRAMS';
const found = new Map<string, string>(Object.entries(inheritedPrograms()));

function inheritedPrograms(): Record<string, string> {
  try {
    const programs: unknown = JSON.parse(process.env[PROGRAMS] ?? '{}');
    return typeof programs === 'object' && programs !== null ? (programs as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The path of `name` as the shell would run it, past a version manager's shim. */
export function realProgram(name: string): string {
  let path = found.get(name);
  if (path === undefined) {
    path = resolve(name);
    found.set(name, path);
  }
  return path;
}

function resolve(name: string): string {
  const onPath = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)).find(isExecutable);
  if (!onPath) return name;
  if (!isPyenvShim(onPath)) return onPath;
  try {
    const real = execFileSync('pyenv', ['which', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return real && isExecutable(real) ? real : onPath;
  } catch {
    return onPath;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isPyenvShim(path: string): boolean {
  const text = scriptHead(path);
  return text.startsWith('#!') && text.includes('pyenv');
}

/** The first 512 bytes of a file, as text: enough for a script's #! line and a shim's marks. */
function scriptHead(path: string): string {
  const head = Buffer.alloc(512);
  const fd = openSync(path, 'r');
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0)).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

export const PYTHON = realProgram('python3');

// The AWS CLI v1 spends about half a second of CPU starting (imports, plugins, JSON models)
// before each request, and the suite makes well over a thousand calls. Unless
// KEYWARDEN_TEST_AWS_CLI=exec, the `aws` the tests run is test/support/warm-aws/client.py: it
// hands each call to a process of the real AWS CLI installation that has started once, which
// forks a child to run `awscli.clidriver.main()` with the caller's arguments, environment,
// directory and streams (server.py). The client runs the real `aws` itself while that process is
// still starting. The suite's runner (scripts/run-tests.mjs) starts one such process for all the
// files it runs and names its socket in KEYWARDEN_TEST_AWS_SOCKET; a file run on its own starts
// its own.
/** The installed AWS CLI itself, as a user's shell runs it. */
export const installedAws = (): string => realProgram('aws');

let awsClient: string | undefined;
let awsCalls = 0;

/**
 * The program the tests run as `aws`. A file that calls it once gains nothing from starting the
 * AWS CLI for later calls: the started one serves from the second call on (`now` at once).
 */
export function awsCli(opts: { now?: boolean } = {}): string {
  if (process.env.KEYWARDEN_TEST_AWS_CLI === 'exec') return installedAws();
  const shared = process.env[SHARED_SOCKET];
  if (awsClient === undefined && shared) awsClient = writeClient(shared) ?? installedAws();
  if (awsClient === undefined && !opts.now && ++awsCalls < 2) return installedAws();
  awsClient ??= startWarmAws();
  return awsClient;
}

/** Where the runner's started AWS CLI listens, for the files it runs. */
const SHARED_SOCKET = 'KEYWARDEN_TEST_AWS_SOCKET';

/**
 * Starts the AWS CLI once for every test file this process runs from now on (they inherit its
 * environment), unless KEYWARDEN_TEST_AWS_CLI=exec. It ends with this process. The files also
 * inherit the programs found here, instead of asking pyenv again (a tenth of a second each).
 */
export function startSharedAwsCli(): void {
  installedAws();
  process.env[PROGRAMS] = JSON.stringify(Object.fromEntries(found));
  if (process.env.KEYWARDEN_TEST_AWS_CLI === 'exec' || process.env[SHARED_SOCKET]) return;
  awsCli({ now: true });
  if (awsSocket) process.env[SHARED_SOCKET] = awsSocket;
}

const WARM_AWS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'support', 'warm-aws');

let awsSocket: string | undefined;

/** Resolves once the started AWS CLI takes calls (the client no longer runs `aws` itself). */
export async function startedAwsReady(timeoutMs = 60_000): Promise<void> {
  awsCli({ now: true });
  const deadline = Date.now() + timeoutMs;
  while (!awsSocket || !existsSync(awsSocket)) {
    if (Date.now() > deadline) throw new Error('the started AWS CLI did not come up');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function startWarmAws(): string {
  const socket = join(toolsDir(), 'aws.sock');
  const client = writeClient(socket);
  if (!client) return installedAws();
  const server = spawn(interpreterOf(installedAws())!, [join(WARM_AWS, 'server.py'), socket], { stdio: 'ignore' });
  server.unref();
  process.once('exit', () => server.kill('SIGKILL'));
  return client;
}

/** The client script that hands calls to the started AWS CLI at `socket`; none if `aws` is not a Python script. */
function writeClient(socket: string): string | undefined {
  const real = installedAws();
  const python = interpreterOf(real);
  if (!python) return undefined;
  awsSocket = socket;
  const client = join(toolsDir(), 'aws-client');
  // One argument after the interpreter: Linux passes the rest of a #! line as a single word.
  const preamble = `#!${python} -IS\nSOCKET = ${JSON.stringify(socket)}\nREAL_AWS = ${JSON.stringify(real)}\n`;
  writeFileSync(client, preamble + readFileSync(join(WARM_AWS, 'client.py'), 'utf8'), { mode: 0o755 });
  return client;
}

/** The interpreter a script's #! line names, when it is a Python one. */
function interpreterOf(script: string): string | undefined {
  const m = /^#!(\S+)$/.exec(scriptHead(script).split('\n')[0]!.trim());
  return m && /python[0-9.]*$/.test(m[1]!) ? m[1] : undefined;
}

function toolsDir(): string {
  const dir = join(tmpdir(), `keywarden-test-tools-${process.getuid?.() ?? 'user'}-${process.pid}`);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}

/**
 * PATH for a shell that runs documented commands (`aws …`, `python3 …`): a directory of links to
 * the programs the tests run first, then the usual PATH.
 */
export function pathWithRealTools(): string {
  const dir = toolsDir();
  for (const [name, target] of [['aws', awsCli({ now: true })], ['python3', PYTHON]] as const) {
    const link = join(dir, name);
    if (target !== name && !existsSync(link)) symlinkSync(target, link);
  }
  return [dir, process.env.PATH ?? '/usr/bin:/bin'].join(delimiter);
}
