import type { Random } from '../core/random.js';
import { CloudHsmInvalidRequestException, SubnetInUseException, SubnetNotFoundException } from './errors.js';
import { ValidationException } from '../core/common-errors.js';
import { newSubnetId, newVpcId } from './ids.js';
import type { ClusterRecord, Scope, Subnet } from './model.js';
import type { ClusterRepository, SubnetRepository } from './repository.js';

/** Free addresses a subnet starts with: a /24 has 256, AWS reserves 5, and one is taken by the VPC's own use. */
export const DEFAULT_FREE_ADDRESSES = 250;
/** The most addresses a /24 subnet can offer (AWS keeps .0–.3 and .255). */
export const MAX_FREE_ADDRESSES = 251;
const FIRST_HOST = 4;
const LAST_HOST = 254;

/** Where the network facts live: the subnets and the clusters whose HSMs hold addresses in them. */
export interface NetworkDeps {
  subnets: SubnetRepository;
  clusters: ClusterRepository;
  random: Random;
}

/**
 * The account's VPC as the cluster model needs it: each account and region gets, on first use,
 * a default VPC with one subnet in each of the Availability Zones `<region>a`, `b` and `c`.
 * Subnets can be added and deleted and their free-address count set, which is what the
 * INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET and SUBNET_NOT_FOUND repair procedures need.
 */
export class NetworkService {
  constructor(private readonly deps: NetworkDeps) {}

  /** The scope's VPC id, creating it and its three default subnets the first time. */
  async vpc(scope: Scope): Promise<string> {
    return this.deps.subnets.initNetwork(scope, () => {
      const vpcId = newVpcId(this.deps.random);
      const subnets = ['a', 'b', 'c'].map((letter, i) => this.subnetRecord(scope, vpcId, `${scope.region}${letter}`, i));
      return { vpcId, subnets };
    });
  }

  async list(scope: Scope): Promise<Subnet[]> {
    await this.vpc(scope);
    return this.deps.subnets.list(scope);
  }

  async get(scope: Scope, subnetId: string): Promise<Subnet | undefined> {
    await this.vpc(scope);
    return this.deps.subnets.get(scope, subnetId);
  }

  async createSubnet(scope: Scope, input: { availabilityZone: string; freeAddresses?: number }): Promise<Subnet> {
    const vpcId = await this.vpc(scope);
    const az = input.availabilityZone;
    if (!new RegExp(`^${escape(scope.region)}[a-z]$`).test(az)) {
      throw new ValidationException(
        `Availability Zone '${az}' is not in region ${scope.region}; use ${scope.region} followed by a letter, for example ${scope.region}a.`,
      );
    }
    const free = input.freeAddresses ?? DEFAULT_FREE_ADDRESSES;
    checkFreeAddresses(free);
    const taken = new Set((await this.deps.subnets.list(scope)).map((s) => thirdOctet(s.cidrBlock)));
    let octet = 0;
    while (taken.has(octet)) octet++;
    if (octet > 255) throw new ValidationException(`The VPC ${vpcId} has no room for another /24 subnet.`);
    const subnet = { ...this.subnetRecord(scope, vpcId, az, octet), freeAddresses: free };
    await this.deps.subnets.insert(subnet);
    return subnet;
  }

  /**
   * Deletes a subnet unless an HSM sits in it. A cluster whose SubnetMapping still names the
   * subnet does not stop it (that is how a cluster ends up with SUBNET_NOT_FOUND).
   */
  async deleteSubnet(scope: Scope, subnetId: string): Promise<Subnet> {
    const subnet = await this.require(scope, subnetId);
    const hsms = (await this.hsmsIn(scope, subnetId)).map((h) => h.hsmId);
    if (hsms.length > 0) {
      throw new SubnetInUseException(`Subnet ${subnetId} has HSMs in it (${hsms.join(', ')}). Delete them with 'aws cloudhsmv2 delete-hsm' first.`);
    }
    await this.deps.subnets.remove(scope, subnetId);
    return subnet;
  }

  async setFreeAddresses(scope: Scope, subnetId: string, count: number): Promise<Subnet> {
    checkFreeAddresses(count);
    await this.require(scope, subnetId);
    const updated = await this.deps.subnets.update(scope, subnetId, (s) => ({ ...s, freeAddresses: count }));
    if (!updated) throw notFound(subnetId);
    return updated;
  }

  /**
   * Takes one free address of the subnet for a new HSM's network interface: `ip` if given (it
   * must be a free host address of the subnet), otherwise a random free one.
   */
  async takeAddress(scope: Scope, subnetId: string, ip?: string): Promise<string> {
    const subnet = await this.deps.subnets.get(scope, subnetId);
    if (!subnet) throw new CloudHsmInvalidRequestException(`Subnet ${subnetId} does not exist any more.`);
    const used = new Set((await this.hsmsIn(scope, subnetId)).map((h) => h.eniIp));
    const prefix = subnet.cidrBlock.split('.').slice(0, 3).join('.');
    let chosen: string;
    if (ip !== undefined) {
      const host = ip.startsWith(prefix + '.') ? Number(ip.slice(prefix.length + 1)) : NaN;
      if (!(host >= FIRST_HOST && host <= LAST_HOST)) {
        throw new CloudHsmInvalidRequestException(
          `IP address ${ip} is not a usable address of subnet ${subnetId} (${subnet.cidrBlock}); choose one from ${prefix}.${FIRST_HOST} to ${prefix}.${LAST_HOST}.`,
        );
      }
      if (used.has(ip)) throw new CloudHsmInvalidRequestException(`IP address ${ip} is already in use in subnet ${subnetId}.`);
      chosen = ip;
    } else {
      const free: string[] = [];
      for (let h = FIRST_HOST; h <= LAST_HOST; h++) if (!used.has(`${prefix}.${h}`)) free.push(`${prefix}.${h}`);
      if (free.length === 0) throw insufficient(subnetId);
      chosen = free[this.deps.random.bytes(2).readUInt16BE(0) % free.length]!;
    }
    const updated = await this.deps.subnets.update(scope, subnetId, (s) => {
      if (s.freeAddresses < 1) throw insufficient(subnetId);
      return { ...s, freeAddresses: s.freeAddresses - 1 };
    });
    if (!updated) throw new CloudHsmInvalidRequestException(`Subnet ${subnetId} does not exist any more.`);
    return chosen;
  }

  /** Gives an address back to its subnet (nothing to do if the subnet was deleted meanwhile). */
  async releaseAddress(scope: Scope, subnetId: string): Promise<void> {
    await this.deps.subnets.update(scope, subnetId, (s) => ({ ...s, freeAddresses: Math.min(MAX_FREE_ADDRESSES, s.freeAddresses + 1) }));
  }

  private async require(scope: Scope, subnetId: string): Promise<Subnet> {
    const subnet = await this.get(scope, subnetId);
    if (!subnet) throw notFound(subnetId);
    return subnet;
  }

  private async hsmsIn(scope: Scope, subnetId: string) {
    return (await allClusters(this.deps.clusters, scope)).flatMap((c) => c.hsms.filter((h) => h.subnetId === subnetId && h.state !== 'DELETED'));
  }

  private subnetRecord(scope: Scope, vpcId: string, availabilityZone: string, octet: number): Subnet {
    return {
      accountId: scope.accountId,
      region: scope.region,
      subnetId: newSubnetId(this.deps.random),
      vpcId,
      availabilityZone,
      cidrBlock: `10.0.${octet}.0/24`,
      freeAddresses: DEFAULT_FREE_ADDRESSES,
    };
  }
}

/** Every cluster of one scope, page by page. */
export async function allClusters(clusters: ClusterRepository, scope: Scope): Promise<ClusterRecord[]> {
  const out: ClusterRecord[] = [];
  let after: string | undefined;
  do {
    const page = await clusters.list(scope, 100, after);
    out.push(...page.items);
    after = page.next;
  } while (after !== undefined);
  return out;
}

function checkFreeAddresses(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_FREE_ADDRESSES) {
    throw new ValidationException(`The free-address count must be a whole number from 0 to ${MAX_FREE_ADDRESSES}, not ${n}.`);
  }
}

const thirdOctet = (cidr: string) => Number(cidr.split('.')[2]);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const notFound = (subnetId: string) =>
  new SubnetNotFoundException(`Subnet ${subnetId} does not exist. Run 'keywarden network list' to see the subnets.`);
const insufficient = (subnetId: string) =>
  new CloudHsmInvalidRequestException(`Subnet ${subnetId} has no free IP addresses for the HSM's network interface.`);
