import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface RootKeySource {
  dataDir: string;
  /** A file holding the root key (32 raw bytes, or 64 hex / 44 base64 characters). */
  file?: string;
  /** The root key itself, hex or base64, usually from KEYWARDEN_ROOT_KEY. */
  value?: string;
  /** Nothing is kept on disk (`serve --in-memory`): without a key given, one for this process only. */
  inMemory?: boolean;
  /**
   * A shared database (--store) that already holds data made with a root key: a key made here
   * could open nothing in it, so none is made.
   */
  usedStore?: string;
}

/**
 * The key that wraps all key material at rest. Supplied by file or environment, or else generated
 * once into the data directory, readable by the owner only: once, when the directory has no
 * database yet. A database without its root.key was made with a key that is elsewhere (a backup,
 * the environment): a new one could open nothing in it, so the start stops and says so.
 */
export function loadRootKey(src: RootKeySource): Buffer {
  if (src.value) return decode(src.value, 'KEYWARDEN_ROOT_KEY');
  if (src.file) return decode(read(src.file), src.file);
  if (src.inMemory) return randomBytes(32);
  const path = join(src.dataDir, 'root.key');
  if (existsSync(path)) return decode(read(path), path);
  if (src.usedStore !== undefined) {
    throw new Error(
      `the PostgreSQL database ${src.usedStore} holds data made with a root key, and this node has none (no ${resolve(path)}); ` +
        'pass that key with --root-key-file or KEYWARDEN_ROOT_KEY: every node needs the same root key',
    );
  }
  if (existsSync(join(src.dataDir, 'keywarden.db'))) {
    throw new Error(
      `the data directory ${resolve(src.dataDir)} holds a database but no root.key; restore root.key from a backup, ` +
        'or pass the key the database was created with using --root-key-file or KEYWARDEN_ROOT_KEY (a new key could open nothing stored there)',
    );
  }
  mkdirSync(src.dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return key;
}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the root key from ${path}: ${(err as Error).message}`);
  }
}

function decode(raw: Buffer | string, where: string): Buffer {
  if (typeof raw !== 'string' && raw.length === 32) return raw;
  const text = raw.toString().trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const b = Buffer.from(text, 'base64');
  if (b.length === 32 && /^[A-Za-z0-9+/]{43}=$/.test(text)) return b;
  throw new Error(`the root key in ${where} must be 32 bytes: 64 hex digits or 44 base64 characters`);
}
