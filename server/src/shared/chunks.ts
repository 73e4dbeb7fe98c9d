/**
 * `items` cut into consecutive pieces of at most `size` (the last may be shorter; none for no
 * items): how long `IN (…)` lists and multi-row inserts stay under the drivers' limits on bound
 * parameters.
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
