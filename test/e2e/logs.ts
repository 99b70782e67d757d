import { readFileSync } from 'node:fs';

/**
 * Every line of a gateway's or worker's log, parsed. Throws at the first line
 * that is not JSON: the parts log JSON only, so such a line is nearly always
 * the stack of an uncaught error that killed the process.
 */
export function jsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON log line in ${file}: ${line}`);
      }
    });
}
