import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { childCpuMs, treeCpuMs } from './cpu.js';

// A child that spins for `ms` of CPU, says so, and then waits (idle) until its stdin closes.
const SPIN = `const end = process.cpuUsage().user + Number(process.argv[1]) * 1000; while (process.cpuUsage().user < end); process.stdout.write('spun\\n'); process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;

describe('CPU of a process tree', { timeout: 30_000 }, () => {
  it('counts a child\u2019s CPU while it lives and after it has exited and been waited for, as it counts a PostgreSQL backend\u2019s', async () => {
    const before = treeCpuMs(process.pid)!;
    const ownBefore = childCpuMs(process.pid)!;
    const child = spawn(process.execPath, ['-e', SPIN, '300'], { stdio: ['pipe', 'pipe', 'inherit'] });
    await once(child.stdout!, 'data');
    const living = treeCpuMs(process.pid)!;
    assert.ok(living - before >= 250, `with the child alive: ${living - before} ms more`);
    child.stdin!.end();
    await once(child, 'exit');
    const reaped = treeCpuMs(process.pid)!;
    assert.ok(reaped - before >= 250, `after the child was reaped: ${reaped - before} ms more`);
    // The process's own figure leaves its children out.
    assert.ok(childCpuMs(process.pid)! - ownBefore < living - before);
  });

  it('is undefined for a process that is not there', () => {
    assert.equal(treeCpuMs(2 ** 22 + 1), undefined);
  });
});
