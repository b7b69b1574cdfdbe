import { scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { Random } from '../core/random.js';
import { HsmInvalidRequest } from './hsm-errors.js';

// The HSM user credential rules, exactly as the seed pages and the CloudHSM CLI reference state
// them, and how a password is kept: an scrypt hash with a random salt, never the password.

const USERNAME = /^[A-Za-z0-9_]{1,31}$/;
const PASSWORD = /^[A-Za-z0-9]{7,32}$/;

/** A valid username, lower-cased: CloudHSM usernames are case-insensitive and shown in lower case. */
export function checkUsername(username: string): string {
  if (!USERNAME.test(username)) {
    throw new HsmInvalidRequest(
      'INVALID_INPUT',
      `'${username}' is not a valid username: use 1-31 characters, letters, digits and underscore (_) only.`,
    );
  }
  return username.toLowerCase();
}

export function checkPassword(password: string): void {
  if (!PASSWORD.test(password)) {
    throw new HsmInvalidRequest(
      'INVALID_INPUT',
      'The password must consist of 7-32 alphanumeric characters. It is case-sensitive and cannot contain any special characters.',
    );
  }
}

const SALT_BYTES = 16;
const HASH_BYTES = 32;

function scrypt(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, HASH_BYTES, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$<salt b64>$<hash b64>` (scrypt with Node's defaults: N=16384, r=8, p=1). */
export async function hashPassword(password: string, random: Random): Promise<string> {
  const salt = random.bytes(SALT_BYTES);
  const hash = await scrypt(password, salt);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
