/**
 * Freezes a value and everything it holds, so that callers sharing a cached copy cannot change
 * what the others read. Buffers and other typed arrays are left as they are: they cannot be frozen.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value) && !ArrayBuffer.isView(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
