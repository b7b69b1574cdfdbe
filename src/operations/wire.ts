// Conversions between domain values and the AWS JSON wire (blobs are base64, times epoch seconds).

export const epochSeconds = (ms: number): number => ms / 1000;

export const base64 = (b: Buffer): string => b.toString('base64');

export interface WireTag {
  TagKey: string;
  TagValue: string;
}

export const tagsFromWire = (tags: WireTag[] | undefined) => tags?.map((t) => ({ key: t.TagKey, value: t.TagValue }));
export const tagsToWire = (tags: { key: string; value: string }[]): WireTag[] => tags.map((t) => ({ TagKey: t.key, TagValue: t.value }));

/** Opaque paging markers: the wire never shows the store's own cursor. */
export const toMarker = (cursor: string | undefined): string | undefined =>
  cursor === undefined ? undefined : Buffer.from(cursor, 'utf8').toString('base64url');
export const fromMarker = (marker: string | undefined): string | undefined =>
  marker === undefined ? undefined : Buffer.from(marker, 'base64url').toString('utf8');

/** The paging members every KMS list response carries. */
export function paged<T>(member: string, items: T[], next: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { [member]: items, Truncated: next !== undefined };
  if (next !== undefined) out.NextMarker = toMarker(next);
  return out;
}
