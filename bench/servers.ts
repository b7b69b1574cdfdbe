import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type RunningChild } from './child.js';
import { BARE_SERVER, KEYWARDEN_BIN, ROOT } from './paths.js';

// The two servers under load, each in a process of its own: neither shares an event loop with
// the load generator, and the ceiling runs exactly as Keywarden does (one process, one loop).

export interface KeywardenChild extends RunningChild {
  dataDir: string;
}

/** `keywarden serve` on a free loopback port with a fresh data directory (removed by stop()); `extraArgs` such as `--audit off`. */
export async function startKeywarden(extraArgs: string[] = []): Promise<KeywardenChild> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keywarden-bench-'));
  try {
    // An empty KEYWARDEN_ROOT_KEY makes the server generate its own root key in the fresh directory,
    // whatever the developer's shell exports.
    const child = await startChild('keywarden', [KEYWARDEN_BIN, 'serve', '--port', '0', '--data-dir', dataDir, ...extraArgs], {
      cwd: ROOT,
      env: { ...process.env, KEYWARDEN_ROOT_KEY: '' },
    });
    return {
      ...child,
      dataDir,
      async stop(graceMs?: number) {
        try {
          await child.stop(graceMs);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** The bare node:http server that answers every POST with `responseBytes` of fixed JSON. */
export function startBareServer(responseBytes: number): Promise<RunningChild> {
  return startChild('bare server', [BARE_SERVER, String(responseBytes)], { cwd: ROOT });
}
