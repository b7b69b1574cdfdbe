import type { BackupService } from './backups.js';
import type { ClusterService } from './clusters.js';
import type { Scope, Tag } from './model.js';
import { page, type Paged } from './paging.js';
import { mergeTags, removeTags } from './tags.js';

/** TagResource, UntagResource and ListTags: a ResourceId is a cluster id or a backup id. */
export class ResourceTagService {
  constructor(
    private readonly clusters: ClusterService,
    private readonly backups: BackupService,
  ) {}

  async tag(scope: Scope, resourceId: string, tags: Tag[]): Promise<void> {
    await this.change(scope, resourceId, (current) => mergeTags(current, tags));
  }

  async untag(scope: Scope, resourceId: string, keys: readonly string[]): Promise<void> {
    await this.change(scope, resourceId, (current) => removeTags(current, keys));
  }

  async list(scope: Scope, resourceId: string, maxResults = 50, nextToken?: string): Promise<Paged<Tag>> {
    const tags = resourceId.startsWith('backup-')
      ? (await this.backups.get(scope, resourceId)).tags
      : (await this.clusters.get(scope, resourceId)).tags;
    const sorted = [...tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return page(sorted, (t) => t.key, maxResults, nextToken);
  }

  private async change(scope: Scope, resourceId: string, fn: (tags: Tag[]) => Tag[]): Promise<void> {
    if (resourceId.startsWith('backup-')) await this.backups.setTags(scope, resourceId, fn);
    else await this.clusters.setTags(scope, resourceId, fn);
  }
}
