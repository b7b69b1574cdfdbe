import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { clusterWorld, rejectsWith, SCOPE, type ClusterWorld } from '../../test/support/cluster-deps.js';
import { DEFAULT_FREE_ADDRESSES } from './network.js';

describe('NetworkService', () => {
  let w: ClusterWorld;
  beforeEach(() => (w = clusterWorld()));
  afterEach(() => w.close());

  it('gives each account and region a default VPC with one subnet in each of three AZs, once', async () => {
    const subnets = await w.s.network.list(SCOPE);
    assert.deepEqual(
      subnets.map((s) => s.availabilityZone),
      ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    );
    for (const s of subnets) {
      assert.match(s.subnetId, /^subnet-[0-9a-f]{17}$/);
      assert.match(s.vpcId, /^vpc-[0-9a-f]{17}$/);
      assert.match(s.cidrBlock, /^10\.0\.\d+\.0\/24$/);
      assert.equal(s.freeAddresses, DEFAULT_FREE_ADDRESSES);
    }
    assert.equal(new Set(subnets.map((s) => s.vpcId)).size, 1);
    assert.deepEqual(await w.s.network.list(SCOPE), subnets);
    const west = await w.s.network.list({ ...SCOPE, region: 'eu-west-2' });
    assert.deepEqual(
      west.map((s) => s.availabilityZone),
      ['eu-west-2a', 'eu-west-2b', 'eu-west-2c'],
    );
    assert.notEqual(west[0]!.vpcId, subnets[0]!.vpcId);
  });

  it('does not bring deleted default subnets back', async () => {
    for (const s of await w.s.network.list(SCOPE)) await w.s.network.deleteSubnet(SCOPE, s.subnetId);
    assert.deepEqual(await w.s.network.list(SCOPE), []);
  });

  it('creates subnets in an AZ of the region with their own /24 and a free-address count', async () => {
    const vpc = await w.s.network.vpc(SCOPE);
    const s = await w.s.network.createSubnet(SCOPE, { availabilityZone: 'us-east-1d', freeAddresses: 3 });
    assert.equal(s.vpcId, vpc);
    assert.equal(s.cidrBlock, '10.0.3.0/24');
    assert.equal(s.freeAddresses, 3);
    await rejectsWith(w.s.network.createSubnet(SCOPE, { availabilityZone: 'us-west-2a' }), 'ValidationException', /not in region us-east-1/);
    await rejectsWith(w.s.network.createSubnet(SCOPE, { availabilityZone: 'us-east-1a', freeAddresses: -1 }), 'ValidationException');
  });

  it('sets free addresses; unknown subnets are SubnetNotFoundException', async () => {
    const [a] = await w.s.network.list(SCOPE);
    assert.equal((await w.s.network.setFreeAddresses(SCOPE, a!.subnetId, 0)).freeAddresses, 0);
    await rejectsWith(w.s.network.setFreeAddresses(SCOPE, 'subnet-00000000000000000', 1), 'SubnetNotFoundException');
    await rejectsWith(w.s.network.deleteSubnet(SCOPE, 'subnet-00000000000000000'), 'SubnetNotFoundException');
  });

  it('takes and gives back addresses; none free is CloudHsmInvalidRequestException', async () => {
    const [a] = await w.s.network.list(SCOPE);
    await w.s.network.setFreeAddresses(SCOPE, a!.subnetId, 1);
    const ip = await w.s.network.takeAddress(SCOPE, a!.subnetId);
    assert.match(ip, /^10\.0\.0\.(\d+)$/);
    assert.equal((await w.s.network.get(SCOPE, a!.subnetId))?.freeAddresses, 0);
    await rejectsWith(w.s.network.takeAddress(SCOPE, a!.subnetId), 'CloudHsmInvalidRequestException', /no free IP addresses/);
    await w.s.network.releaseAddress(SCOPE, a!.subnetId);
    assert.equal((await w.s.network.get(SCOPE, a!.subnetId))?.freeAddresses, 1);
    await rejectsWith(w.s.network.takeAddress(SCOPE, a!.subnetId, '10.0.1.9'), 'CloudHsmInvalidRequestException', /not a usable address/);
    await rejectsWith(w.s.network.takeAddress(SCOPE, a!.subnetId, '10.0.0.255'), 'CloudHsmInvalidRequestException', /not a usable address/);
    assert.equal(await w.s.network.takeAddress(SCOPE, a!.subnetId, '10.0.0.9'), '10.0.0.9');
  });

  it('refuses to delete a subnet with an HSM in it, but not one a cluster merely maps', async () => {
    const [a, b] = await w.s.network.list(SCOPE);
    const cluster = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: [a!.subnetId, b!.subnetId] });
    await w.s.clusters.get(SCOPE, cluster.clusterId);
    const { hsm } = await w.s.clusters.createHsm(SCOPE, cluster.clusterId, { availabilityZone: 'us-east-1a' });
    await rejectsWith(w.s.network.deleteSubnet(SCOPE, a!.subnetId), 'SubnetInUseException', new RegExp(hsm.hsmId));
    await w.s.network.deleteSubnet(SCOPE, b!.subnetId);
    assert.equal((await w.s.clusters.get(SCOPE, cluster.clusterId)).subnetMapping['us-east-1b'], b!.subnetId);
    await rejectsWith(
      w.s.clusters.createHsm(SCOPE, cluster.clusterId, { availabilityZone: 'us-east-1b' }),
      'CloudHsmInvalidRequestException',
      /does not exist any more/,
    );
  });
});
