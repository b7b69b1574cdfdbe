import { execFileSync } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

// The programs the tests run (the AWS CLI, Python with boto3), found once. A version manager's
// shim (pyenv's) is a shell script that works out which installation to run on every call, which
// adds about a tenth of a second to each of the suite's thousand-odd AWS CLI calls; the tests call
// the program it would run instead.

const found = new Map<string, string>();

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
  const head = Buffer.alloc(512);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    const text = head.subarray(0, n).toString('latin1');
    return text.startsWith('#!') && text.includes('pyenv');
  } finally {
    closeSync(fd);
  }
}

export const AWS = realProgram('aws');
export const PYTHON = realProgram('python3');

/**
 * PATH for a shell that runs documented commands (`aws …`, `python3 …`): a directory of links to
 * the real programs first, then the usual PATH.
 */
export function pathWithRealTools(): string {
  const dir = join(tmpdir(), `keywarden-test-tools-${process.getuid?.() ?? 'user'}-${process.pid}`);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  for (const [name, target] of [['aws', AWS], ['python3', PYTHON]] as const) {
    const link = join(dir, name);
    if (target !== name && !existsSync(link)) symlinkSync(target, link);
  }
  return [dir, process.env.PATH ?? '/usr/bin:/bin'].join(delimiter);
}
