/**
 * Any value from a request, as text for an error message: strings as they
 * are, the rest as JSON. Never throws, unlike String() of a parsed object
 * such as {"toString": false}.
 */
export function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
