import { epochSeconds } from '../wire.js';
import { clusterId, scopeOf } from './input.js';
import { userShape } from './shapes.js';
import { hsmOperation } from './operation.js';

/**
 * Needs no login. Each user comes with the logins open on the cluster (`Sessions`: the service's
 * own as client `kms`, a person's through a tool as `cli`), which `keywarden doctor --deep` reads
 * to tell whether kmsuser is logged in somewhere (USER_LOGGED_IN); no session token is shown.
 */
export const listUsers = hsmOperation('ListUsers', async (input, ctx, hsm) => {
  const id = clusterId(input);
  const users = await hsm.users.list(scopeOf(ctx), id);
  const sessions = await hsm.sessions.list(id);
  return {
    Users: users.map((u) => ({
      ...userShape(u),
      Sessions: sessions.filter((s) => s.username === u.username).map((s) => ({ Client: s.client, OpenedAt: epochSeconds(s.openedAt) })),
    })),
  };
});
