/** Values in one IN (...) list or rows in one statement: under SQLite's bound-parameter limit. */
export const IN_LIST = 500;

/** `items` cut into runs of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `query` once per IN_LIST of `values` and joins the answers. */
export async function inLists<T, R>(values: T[], query: (part: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (const part of chunks(values, IN_LIST)) out.push(...(await query(part)));
  return out;
}

/** `items` grouped by `key`; groups keep the order of their first item, items their order. */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Runs `task` on every item, `width` at a time; what the tasks return, in the items' order. */
export async function mapInWaves<T, R>(items: T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const wave of chunks(items, width)) results.push(...(await Promise.all(wave.map(task))));
  return results;
}

/** mapInWaves, adding up what the tasks return. */
export async function sumInWaves<T>(items: T[], width: number, task: (item: T) => Promise<number>): Promise<number> {
  return (await mapInWaves(items, width, task)).reduce((sum, n) => sum + n, 0);
}
