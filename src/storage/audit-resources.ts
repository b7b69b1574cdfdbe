/**
 * How every store keeps an audit record's resources in one text column for LookupEvents:
 * `SEP type TAB name SEP type TAB name SEP` (empty without resources), so that one substring
 * search (SQLite's instr(), PostgreSQL's strpos()) finds a whole type (`SEP type TAB`) or a whole
 * name (`TAB name SEP`, or `:key/id SEP` for a KMS key named by its id), and the list reads back
 * exactly.
 */
export const SEP = '\u001f';
export const TAB = '\t';

export const encodeResources = (resources: ReadonlyArray<{ type: string; name: string }>): string =>
  resources.length === 0 ? '' : SEP + resources.map((r) => r.type + TAB + r.name).join(SEP) + SEP;

export function decodeResources(text: string): Array<{ type: string; name: string }> {
  if (text === '') return [];
  return text
    .slice(1, -1)
    .split(SEP)
    .map((item) => {
      const tab = item.indexOf(TAB);
      return { type: item.slice(0, tab), name: item.slice(tab + 1) };
    });
}
