import regions from './regions.json' with { type: 'json' };

// The AWS Regions a request may be scoped to: every Region of the commercial partition, China and
// GovCloud (US), as AWS's own endpoint data lists them (regions.json; add a Region there when AWS
// opens one). Keywarden answers for all of them on one endpoint, but a Region AWS does not have is
// refused as AWS refuses it, so a typo in a client's configuration shows here and not in production.

const KNOWN: ReadonlySet<string> = new Set(Object.values(regions.partitions).flat());

export function isKnownRegion(name: string): boolean {
  return KNOWN.has(name);
}
