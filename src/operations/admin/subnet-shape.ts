import type { Subnet } from '../../cluster/model.js';
import type { Subnet as WireSubnet } from './model.types.js';

/** A subnet as the admin endpoint (and `keywarden network … --json`) shows it. */
export const subnetToWire = (s: Subnet): WireSubnet => ({
  SubnetId: s.subnetId,
  VpcId: s.vpcId,
  AvailabilityZone: s.availabilityZone,
  CidrBlock: s.cidrBlock,
  FreeAddresses: s.freeAddresses,
});
