import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's softhsm2 package puts its PKCS#11 library. */
export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmTokens {
  /** The SoftHSM2 configuration file: SOFTHSM2_CONF for every process that uses these tokens. */
  conf: string;
  module: string;
  /** The user PIN of every token (throwaway). */
  pin: string;
  labels: string[];
  /** The environment a process needs to see these tokens. */
  env: { SOFTHSM2_CONF: string };
  /** A --pkcs11-config file naming the tokens and their PIN, with `extra` settings. */
  configFile(extra?: Record<string, unknown>): string;
  /** Removes the tokens and their directory. */
  dispose(): void;
}

export const softHsmAvailable = () => existsSync(SOFTHSM_MODULE);

/**
 * Initialises `count` SoftHSM2 tokens in a directory of their own (none of the machine's tokens
 * are seen or touched): one per HSM a test needs, labelled `<prefix>-1`…, with throwaway PINs.
 */
export function softHsmTokens(count = 6, prefix = 'keywarden-hsm'): SoftHsmTokens {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir);
  const conf = join(dir, 'softhsm2.conf');
  writeFileSync(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  const env = { SOFTHSM2_CONF: conf };
  const pin = String(10_000_000 + (randomBytes(4).readUInt32BE() % 90_000_000));
  const soPin = randomBytes(8).toString('hex');
  const labels = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  try {
    for (const label of labels) {
      execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', soPin, '--pin', pin], { env: { ...process.env, ...env }, stdio: 'pipe' });
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let configs = 0;
  return {
    conf,
    module: SOFTHSM_MODULE,
    pin,
    labels,
    env,
    configFile(extra = {}) {
      const file = join(dir, `pkcs11-${++configs}.json`);
      writeFileSync(file, JSON.stringify({ tokens: labels, pin, ...extra }), { mode: 0o600 });
      return file;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
