import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { childCpuMs, threadsCpuMs, treeCpuMs } from './cpu.js';

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

describe('CPU of a process by thread', { timeout: 30_000 }, () => {
  it('gives the main thread its own figure and sums the others by the name each thread carries', async () => {
    // A worker that names itself, as the audit indexer does, spins for 300 ms of its own CPU and says so.
    const worker = new Worker(
      `require('node:fs').writeFileSync('/proc/thread-self/comm', 'cpu-test-spin');
       const { parentPort } = require('node:worker_threads');
       const end = process.hrtime.bigint() + 300_000_000n;
       while (process.hrtime.bigint() < end);
       parentPort.postMessage('spun');
       setInterval(() => {}, 1000);`,
      { eval: true },
    );
    try {
      await once(worker, 'message');
      const cpu = threadsCpuMs(process.pid)!;
      assert.ok(cpu.main > 0, `main ${cpu.main}`);
      // Wall time, not CPU, bounds the spin: on a busy machine it may have had less than all of it.
      const spun = cpu.others.get('cpu-test-spin') ?? 0;
      assert.ok(spun >= 100, `the named thread: ${spun} ms (${[...cpu.others].join(' ')})`);
    } finally {
      await worker.terminate();
    }
  });

  it('is undefined for a process that is not there', () => {
    assert.equal(threadsCpuMs(2 ** 22 + 1), undefined);
  });
});
