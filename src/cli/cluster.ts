import { type Args, stringOption, UsageError } from './args.js';
import { call, clientConfig, print } from './client.js';
import { quickstart } from './quickstart.js';

/** `keywarden cluster backup --cluster-id ID`: a backup now, as CloudHSM's own schedule would take one. */
export async function cluster(args: Args): Promise<number> {
  const [sub] = args.positional;
  if (sub === 'quickstart') return quickstart(args);
  if (sub !== 'backup') throw new UsageError("cluster takes 'quickstart' or 'backup --cluster-id ID'.");
  const clusterId = stringOption(args, 'cluster-id');
  if (!clusterId) throw new UsageError('--cluster-id is required, for example: keywarden cluster backup --cluster-id cluster-igklspoyj5v');
  const out: { Backup: { BackupId: string; BackupState: string; ClusterId: string } } = await call(
    await clientConfig(args),
    'KeywardenAdmin.BackupCluster',
    'keywarden',
    { ClusterId: clusterId },
  );
  print(args, out, () => `backup ${out.Backup.BackupId} of ${out.Backup.ClusterId} is ${out.Backup.BackupState}`);
  return 0;
}
