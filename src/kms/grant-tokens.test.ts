import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { secureRandom } from '../core/random.js';
import { GrantTokens, grantTokenSecret } from './grant-tokens.js';

const GRANT = 'e75e2e00ae0f3f592d4e9df8711384d0754a592b6a78ab1010dd2fbaceed1637';
const OTHER = 'ac83659fc979941e23e98f0ddef341441e26f55a44cf5652cac69983cfaa04bd';

describe('grant tokens', () => {
  const tokens = new GrantTokens(Buffer.alloc(32, 7), secureRandom);

  it('name their grant; every token is new, and each one reads back', () => {
    const a = tokens.issue(GRANT);
    const b = tokens.issue(GRANT);
    assert.notEqual(a, b);
    assert.equal(tokens.grantIdOf(a), GRANT);
    assert.equal(tokens.grantIdOf(b), GRANT);
    assert.equal(tokens.grantIdOf(tokens.issue(OTHER)), OTHER);
    assert.ok(a.length >= 1 && a.length <= 8192, 'within GrantTokenType');
  });

  it('cannot be forged, altered or pointed at another grant', () => {
    const token = tokens.issue(GRANT);
    const raw = Buffer.from(token, 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const bent = Buffer.from(raw);
      bent[i]! ^= 1;
      assert.equal(tokens.grantIdOf(bent.toString('base64url')), undefined, `byte ${i}`);
    }
    const swapped = Buffer.from(raw);
    Buffer.from(OTHER, 'hex').copy(swapped, 1);
    assert.equal(tokens.grantIdOf(swapped.toString('base64url')), undefined);
    for (const junk of ['', 'x', token + 'A', token.slice(0, -1), `${token}=`, 'a'.repeat(8192), '..//', '\u00e9']) {
      assert.equal(tokens.grantIdOf(junk), undefined, JSON.stringify(junk.slice(0, 20)));
    }
  });

  it('another secret reads none of them; the same root key always derives the same secret', () => {
    const token = tokens.issue(GRANT);
    assert.equal(new GrantTokens(Buffer.alloc(32, 8), secureRandom).grantIdOf(token), undefined);
    const root = Buffer.alloc(32, 1);
    assert.deepEqual(grantTokenSecret(root), grantTokenSecret(Buffer.alloc(32, 1)));
    assert.notDeepEqual(grantTokenSecret(root), root, 'derived, not the root key itself');
    const fromRoot = new GrantTokens(grantTokenSecret(root), secureRandom).issue(GRANT);
    assert.equal(new GrantTokens(grantTokenSecret(Buffer.alloc(32, 1)), secureRandom).grantIdOf(fromRoot), GRANT, 'tokens outlive a restart');
  });
});
