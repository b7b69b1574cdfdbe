import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
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

/** The hash of a user nobody can log in as: no password verifies against it. */
export const NO_PASSWORD = '!';

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const seen = verified.mark(password, stored);
  if (verified.has(seen)) return true;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'));
  const right = actual.length === expected.length && timingSafeEqual(actual, expected);
  if (right) verified.add(seen);
  return right;
}

/**
 * The password and hash pairs this process has verified, so that a user who logs in again (kmsuser
 * at every connection and health check) costs an HMAC instead of a 70 ms scrypt. Only right
 * passwords are kept, so every wrong guess still pays the full scrypt; and a pair is kept as an
 * HMAC under a key of this process, never as the password. A new password means a new hash, which
 * no kept pair matches. The oldest pairs go first past MAX_VERIFIED.
 */
export class VerifiedPasswords {
  private readonly key = randomBytes(32);
  private readonly marks = new Set<string>();

  constructor(private readonly limit: number) {}

  mark(password: string, stored: string): string {
    return createHmac('sha256', this.key).update(stored).update('\0').update(password).digest('base64');
  }

  has(mark: string): boolean {
    return this.marks.has(mark);
  }

  add(mark: string): void {
    this.marks.add(mark);
    if (this.marks.size > this.limit) this.marks.delete(this.marks.values().next().value!);
  }
}

const MAX_VERIFIED = 1024;
const verified = new VerifiedPasswords(MAX_VERIFIED);
