/**
 * PostgreSQL's text cannot hold the NUL character, and a statement given one fails. Nothing stored
 * holds one either, so a lookup by a value that does (a caller's hostile id, say) finds nothing:
 * the stores answer so without asking, as SQLite's would after asking.
 */
export const cannotBeStored = (...values: string[]): boolean => values.some((v) => v.includes('\u0000'));
