import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secureRandom } from '../core/random.js';
import { hashPassword, NO_PASSWORD, verifyPassword, VerifiedPasswords } from './passwords.js';

test('a password verifies against its own hash only, however often it was verified before', async () => {
  const stored = await hashPassword('Correct1horse', secureRandom);
  const other = await hashPassword('Correct1horse', secureRandom);
  assert.notEqual(stored, other, 'each hash has its own salt');
  for (let i = 0; i < 3; i++) assert.equal(await verifyPassword('Correct1horse', stored), true);
  assert.equal(await verifyPassword('Correct1hors', stored), false);
  assert.equal(await verifyPassword('correct1horse', stored), false, 'passwords are case-sensitive');
  // A hash changed by one character (a new password, a tampered store) is not the one verified.
  const [scheme, salt, hash] = stored.split('$');
  const flipped = hash!.startsWith('A') ? `B${hash!.slice(1)}` : `A${hash!.slice(1)}`;
  assert.equal(await verifyPassword('Correct1horse', `${scheme}$${salt}$${flipped}`), false);
  assert.equal(await verifyPassword('Correct1horse', 'plain$x$y'), false);
  for (const guess of ['', '!', 'Correct1horse']) assert.equal(await verifyPassword(guess, NO_PASSWORD), false);
});

test('verified pairs are kept as HMACs, one per pair, and the oldest go first past the limit', () => {
  const kept = new VerifiedPasswords(2);
  const a = kept.mark('Password1', 'scrypt$s$h1');
  assert.ok(!a.includes('Password1'));
  assert.notEqual(kept.mark('Password1', 'scrypt$s$h2'), a, 'another hash, another mark');
  assert.notEqual(kept.mark('Password2', 'scrypt$s$h1'), a, 'another password, another mark');
  // The separator keeps 'ab'+'c' apart from 'a'+'bc'.
  assert.notEqual(kept.mark('c', 'ab'), kept.mark('bc', 'a'));
  assert.equal(new VerifiedPasswords(2).mark('Password1', 'scrypt$s$h1') === a, false, 'each process keys its marks anew');

  kept.add(a);
  kept.add(kept.mark('Password2', 'scrypt$s$h2'));
  assert.ok(kept.has(a));
  kept.add(kept.mark('Password3', 'scrypt$s$h3'));
  assert.equal(kept.has(a), false, 'the oldest pair went');
  assert.ok(kept.has(kept.mark('Password3', 'scrypt$s$h3')));
});
