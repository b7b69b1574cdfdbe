import { type Args, stringOption, UsageError } from './args.js';
import { call, clientConfig, print } from './client.js';

interface WireSubnet {
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  CidrBlock: string;
  FreeAddresses: number;
}

const admin = async (args: Args, op: string, input: unknown) => call(await clientConfig(args), `KeywardenAdmin.${op}`, 'keywarden', input);

/**
 * `keywarden network list | create-subnet | delete-subnet | set-free-addresses`: the subnets of
 * the account's VPC in the region (--region, AWS_REGION), where clusters place their HSMs.
 */
export async function network(args: Args): Promise<number> {
  const [sub] = args.positional;
  switch (sub) {
    case 'list': {
      const out: { VpcId: string; Subnets: WireSubnet[] } = await admin(args, 'ListSubnets', {});
      print(args, out, () =>
        [`VPC ${out.VpcId}`, ...(out.Subnets.length === 0 ? ['  (no subnets)'] : out.Subnets.map((s) => `  ${line(s)}`))].join('\n'),
      );
      return 0;
    }
    case 'create-subnet': {
      const az = required(args, 'availability-zone', 'network create-subnet --availability-zone us-east-1d');
      const free = count(args, 'free-addresses');
      const out: { Subnet: WireSubnet } = await admin(args, 'CreateSubnet', { AvailabilityZone: az, FreeAddresses: free });
      print(args, out, () => `created ${line(out.Subnet)}`);
      return 0;
    }
    case 'delete-subnet': {
      const id = required(args, 'subnet-id', 'network delete-subnet --subnet-id subnet-0123456789abcdef0');
      const out: { Subnet: WireSubnet } = await admin(args, 'DeleteSubnet', { SubnetId: id });
      print(args, out, () => `deleted subnet ${out.Subnet.SubnetId} (${out.Subnet.AvailabilityZone})`);
      return 0;
    }
    case 'set-free-addresses': {
      const id = required(args, 'subnet-id', 'network set-free-addresses --subnet-id subnet-0123456789abcdef0 --count 0');
      const n = count(args, 'count');
      if (n === undefined) throw new UsageError('network set-free-addresses needs --count N, for example --count 0.');
      const out: { Subnet: WireSubnet } = await admin(args, 'SetFreeAddresses', { SubnetId: id, FreeAddresses: n });
      print(args, out, () => `subnet ${out.Subnet.SubnetId} now has ${out.Subnet.FreeAddresses} free addresses`);
      return 0;
    }
    default:
      throw new UsageError("network takes 'list', 'create-subnet', 'delete-subnet' or 'set-free-addresses'.");
  }
}

const line = (s: WireSubnet) => `${s.SubnetId}  ${s.AvailabilityZone}  ${s.CidrBlock}  ${s.FreeAddresses} free addresses`;

function required(args: Args, name: string, example: string): string {
  const v = stringOption(args, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required, for example: keywarden ${example}`);
  return v;
}

function count(args: Args, name: string): number | undefined {
  const v = stringOption(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, not '${v}'.`);
  return Number(v);
}
