import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { HsmEngine } from './hsm-engine.js';
import { type ClusterReader, ClusterContents } from './content.js';
import { ClusterCrypto } from './crypto.js';
import { ClusterKeys } from './key-objects.js';
import type { ContentRepository, SessionRepository } from './repository.js';
import { DEFAULT_SESSIONS_PER_HSM, HsmSessions } from './sessions.js';
import { type ActivateCluster, ClusterUsers } from './users.js';

export interface HsmDeps {
  clusters: ClusterReader;
  contents: ContentRepository;
  sessions: SessionRepository;
  engine: HsmEngine;
  clock: Clock;
  random: Random;
  /** Moves an INITIALIZED cluster to ACTIVE once `cluster activate` has set the admin password. */
  activate: ActivateCluster;
  sessionsPerHsm?: number;
  /** Sessions per HSM for a cluster whose capacity a fault lowers (cluster/faults.ts). */
  sessionLimit?: (clusterId: string) => number | undefined;
}

/** What the HSMs of every cluster offer: to the HSM client API (the CLI tools) and to KMS. */
export interface HsmServices {
  contents: ClusterContents;
  sessions: HsmSessions;
  users: ClusterUsers;
  keys: ClusterKeys;
  crypto: ClusterCrypto;
}

export function createHsmServices(deps: HsmDeps): HsmServices {
  const contents = new ClusterContents(deps.clusters, deps.contents, deps.random);
  const sessions = new HsmSessions(deps.sessions, deps.clock, deps.random, deps.sessionsPerHsm ?? DEFAULT_SESSIONS_PER_HSM, deps.sessionLimit, (id) =>
    deps.engine.release?.(id),
  );
  const shared = { contents, sessions, engine: deps.engine, random: deps.random };
  return {
    contents,
    sessions,
    users: new ClusterUsers({ contents, sessions, random: deps.random, activate: deps.activate }),
    keys: new ClusterKeys(shared),
    crypto: new ClusterCrypto(shared),
  };
}
