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
