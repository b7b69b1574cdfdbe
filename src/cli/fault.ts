import { type Args, stringOption, UsageError } from './args.js';
import { call, clientConfig, print } from './client.js';

interface WireFault {
  Fault: 'NETWORK_CUT' | 'CONNECT_INTERNAL_ERROR' | 'SESSION_LIMIT';
  ClusterId?: string;
  CustomKeyStoreId?: string;
  SessionsPerHsm?: number;
  CreatedAt: number;
}

interface WireSubnet {
  SubnetId: string;
  AvailabilityZone: string;
  FreeAddresses: number;
}

const admin = async (args: Args, op: string, input: unknown) => call(await clientConfig(args), `KeywardenAdmin.${op}`, 'keywarden', input);

/**
 * `keywarden fault …`: the causes the troubleshooting guide names that no ordinary call
 * produces, switched on and off through the admin API (KeywardenAdmin.SetFault, ClearFault,
 * ListFaults, DeleteSubnet, SetFreeAddresses, DeleteBackingKey).
 */
export async function fault(args: Args): Promise<number> {
  const [sub] = args.positional;
  switch (sub) {
    case 'list': {
      const out: { Faults: WireFault[] } = await admin(args, 'ListFaults', {});
      print(args, out, () => (out.Faults.length === 0 ? 'no faults are set' : out.Faults.map(describe).join('\n')));
      return 0;
    }
    case 'clear':
      return clear(args);
    case 'cut-network': {
      const clusterId = required(args, 'cluster-id', 'fault cut-network --cluster-id cluster-igklspoyj5v');
      const out: { Fault: WireFault } = await admin(args, 'SetFault', { Fault: 'NETWORK_CUT', ClusterId: clusterId });
      print(args, out, () => `${describe(out.Fault)}; undo with: keywarden fault restore-network --cluster-id ${clusterId}`);
      return 0;
    }
    case 'restore-network': {
      const clusterId = required(args, 'cluster-id', 'fault restore-network --cluster-id cluster-igklspoyj5v');
      const out: { Cleared: boolean } = await admin(args, 'ClearFault', { Fault: 'NETWORK_CUT', ClusterId: clusterId });
      if (!out.Cleared) throw new Error(`the network path to ${clusterId} is not cut, so there is nothing to restore; 'keywarden fault list' shows the faults in force.`);
      print(args, { Cleared: [{ Fault: 'NETWORK_CUT', ClusterId: clusterId }] }, () => `network path to ${clusterId} restored`);
      return 0;
    }
    case 'limit-sessions': {
      const clusterId = required(args, 'cluster-id', 'fault limit-sessions --cluster-id cluster-igklspoyj5v --per-hsm 1');
      const perHsm = required(args, 'per-hsm', `fault limit-sessions --cluster-id ${clusterId} --per-hsm 1`);
      if (!/^[1-9]\d{0,5}$/.test(perHsm)) throw new UsageError(`--per-hsm must be a whole number of sessions, 1 or more, not '${perHsm}'.`);
      const out: { Fault: WireFault } = await admin(args, 'SetFault', { Fault: 'SESSION_LIMIT', ClusterId: clusterId, SessionsPerHsm: Number(perHsm) });
      print(args, out, () => `${describe(out.Fault)}; undo with: keywarden fault clear --cluster-id ${clusterId}`);
      return 0;
    }
    case 'fail-next-connect': {
      const storeId = required(args, 'custom-key-store-id', 'fault fail-next-connect --custom-key-store-id cks-1234567890abcdef0');
      const out: { Fault: WireFault } = await admin(args, 'SetFault', { Fault: 'CONNECT_INTERNAL_ERROR', CustomKeyStoreId: storeId });
      print(args, out, () => describe(out.Fault));
      return 0;
    }
    case 'delete-subnet': {
      const subnetId = required(args, 'subnet-id', 'fault delete-subnet --subnet-id subnet-0123456789abcdef0');
      const out: { Subnet: WireSubnet } = await admin(args, 'DeleteSubnet', { SubnetId: subnetId });
      print(args, out, () => `deleted subnet ${out.Subnet.SubnetId} (${out.Subnet.AvailabilityZone})`);
      return 0;
    }
    case 'exhaust-addresses': {
      const subnetId = required(args, 'subnet-id', 'fault exhaust-addresses --subnet-id subnet-0123456789abcdef0');
      const out: { Subnet: WireSubnet } = await admin(args, 'SetFreeAddresses', { SubnetId: subnetId, FreeAddresses: 0 });
      print(args, out, () => `subnet ${subnetId} has no free address now; undo with: keywarden network set-free-addresses --subnet-id ${subnetId} --count 200`);
      return 0;
    }
    case 'delete-backing-key': {
      const keyId = required(args, 'key-id', 'fault delete-backing-key --key-id 1234abcd-12ab-34cd-56ef-1234567890ab');
      const out: { KeyId: string; ClusterId: string; BackingKeyId: string; KeyHandle: number } = await admin(args, 'DeleteBackingKey', { KeyId: keyId });
      print(args, out, () => `deleted backing key 0x${out.BackingKeyId} (key handle ${out.KeyHandle}) of ${out.KeyId} from ${out.ClusterId}`);
      return 0;
    }
    default:
      throw new UsageError(`'fault ${sub}' is not a fault command; run 'keywarden fault --help' to list them.`);
  }
}

/** Switches off every fault that matches the selection. */
async function clear(args: Args): Promise<number> {
  const all = args.options.get('all') === true;
  const clusterId = stringOption(args, 'cluster-id');
  const storeId = stringOption(args, 'custom-key-store-id');
  const kind = stringOption(args, 'fault');
  const targets = [all, clusterId !== undefined, storeId !== undefined].filter(Boolean).length;
  if (targets !== 1) {
    throw new UsageError('fault clear needs exactly one of --all, --cluster-id ID or --custom-key-store-id ID (and optionally --fault KIND).');
  }
  const { Faults }: { Faults: WireFault[] } = await admin(args, 'ListFaults', {});
  const chosen = Faults.filter(
    (f) =>
      (all || (clusterId !== undefined && f.ClusterId === clusterId) || (storeId !== undefined && f.CustomKeyStoreId === storeId)) &&
      (kind === undefined || f.Fault === kind),
  );
  const cleared: WireFault[] = [];
  for (const f of chosen) {
    const out: { Cleared: boolean } = await admin(args, 'ClearFault', { Fault: f.Fault, ClusterId: f.ClusterId, CustomKeyStoreId: f.CustomKeyStoreId });
    // Another client may have cleared it in between: report only what this call switched off.
    if (out.Cleared) cleared.push(f);
  }
  print(args, { Cleared: cleared }, () => (cleared.length === 0 ? 'no fault matched; nothing was cleared' : cleared.map((f) => `cleared ${describe(f)}`).join('\n')));
  return 0;
}

/** One line per fault: what it does to what. */
function describe(f: WireFault): string {
  switch (f.Fault) {
    case 'NETWORK_CUT':
      return `NETWORK_CUT on ${f.ClusterId}: the service's network path to the cluster is cut`;
    case 'SESSION_LIMIT':
      return `SESSION_LIMIT on ${f.ClusterId}: each HSM holds ${f.SessionsPerHsm} session${f.SessionsPerHsm === 1 ? '' : 's'}`;
    case 'CONNECT_INTERNAL_ERROR':
      return `CONNECT_INTERNAL_ERROR on ${f.CustomKeyStoreId}: its next connection attempt fails with INTERNAL_ERROR`;
    default:
      return `${(f as WireFault).Fault} on ${(f as WireFault).ClusterId ?? (f as WireFault).CustomKeyStoreId}`;
  }
}

function required(args: Args, name: string, example: string): string {
  const v = stringOption(args, name);
  if (v === undefined || v === '') throw new UsageError(`--${name} is required, for example: keywarden ${example}`);
  return v;
}
