import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import type { Lane } from './runbook.js';
import { connectedStore, kmsSdk, readyCluster } from './sdk-setup.js';

// "Before you start" without its commands, for the lanes of the scenarios that do not prove it:
// the same cluster, key store, key, files and placeholder values the guide's setup blocks leave,
// made in this process through the SDK. test/runbooks/keys.test.ts runs those blocks as written.

const MESSAGE = 'made before the failure';

/** setup/env as written (it only sets variables), then the state setup/cluster, setup/key-store and setup/key leave. */
export async function setUpAsTheGuideDoes(lane: Lane, endpoint: string): Promise<void> {
  await lane.run('setup/env');
  const cluster = await readyCluster(endpoint, lane.region);
  writeFileSync(join(lane.dir, 'customerCA.crt'), cluster.trustAnchor);
  const kms = kmsSdk(endpoint, lane.region);
  try {
    const storeId = await connectedStore(kms, 'ExampleKeyStore', cluster);
    lane
      .set('cluster-id', cluster.clusterId)
      .set('admin-password', cluster.adminPassword)
      .set('kmsuser-password', cluster.kmsuserPassword)
      .set('work-dir', lane.dir)
      .set('key-store-id', storeId);
  } finally {
    kms.destroy();
  }
  await keyAsTheGuideMakesIt(lane, endpoint);
}

/** What setup/key leaves: a key in the lane's store (<key-store-id>), message.txt, and before.bin encrypted under the key. */
export async function keyAsTheGuideMakesIt(lane: Lane, endpoint: string): Promise<void> {
  const kms = kmsSdk(endpoint, lane.region);
  try {
    const created = await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: lane.get('key-store-id'), Description: 'rehearsal key' }));
    const keyId = created.KeyMetadata!.KeyId!;
    writeFileSync(join(lane.dir, 'message.txt'), MESSAGE);
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(MESSAGE) }));
    writeFileSync(join(lane.dir, 'before.bin'), CiphertextBlob!);
    lane.set('key-id', keyId);
  } finally {
    kms.destroy();
  }
}
