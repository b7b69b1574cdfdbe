import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness as the domain sees it; tests may pass a deterministic source. */
export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

export const secureRandom: Random = {
  bytes: (n) => randomBytes(n),
  uuid: () => randomUUID(),
};
