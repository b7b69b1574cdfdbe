import { InvalidMarkerException } from '../kms/errors.js';
import { noEscapes } from '../protocol/json-text.js';
import type { Tag } from '../protocol/models/kms.types.js';

// Conversions between domain values and the AWS JSON wire (blobs are base64, times epoch seconds).

export const epochSeconds = (ms: number): number => ms / 1000;

/** Noted as needing no JSON escaping, so that writing a large blob into the answer copies it once (json-text.ts). */
export const base64 = (b: Buffer): string => noEscapes(b.toString('base64'));

export const tagsFromWire = (tags: readonly Tag[] | undefined) => tags?.map((t) => ({ key: t.TagKey, value: t.TagValue }));
export const tagsToWire = (tags: { key: string; value: string }[]): Tag[] => tags.map((t) => ({ TagKey: t.key, TagValue: t.value }));

const MARKER_PREFIX = 'kw1:';

/** Opaque paging markers: the wire never shows the store's own cursor. */
export const toMarker = (cursor: string | undefined): string | undefined =>
  cursor === undefined ? undefined : Buffer.from(MARKER_PREFIX + cursor, 'utf8').toString('base64url');

/** The cursor inside a marker this service issued; any other string is InvalidMarkerException. */
export function fromMarker(marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  if (!text.startsWith(MARKER_PREFIX) || toMarker(text.slice(MARKER_PREFIX.length)) !== marker) {
    throw new InvalidMarkerException('The marker is not valid. Pass the NextMarker of a previous response.');
  }
  return text.slice(MARKER_PREFIX.length);
}

/** The paging members every KMS list response ends with. */
export const truncation = (next: string | undefined): { Truncated: boolean; NextMarker?: string } =>
  next === undefined ? { Truncated: false } : { Truncated: true, NextMarker: toMarker(next) };
