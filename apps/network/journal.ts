import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';

/** One mined transaction, as needed to mine it again identically. */
export interface JournalEntry {
  raw: string;
  hash: string;
  block: number;
  timestamp: number;
}

function isEntry(v: unknown): v is JournalEntry {
  const e = v as Partial<JournalEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.raw === 'string' &&
    typeof e.hash === 'string' &&
    Number.isInteger(e.block) &&
    Number.isInteger(e.timestamp)
  );
}

/**
 * Reads the journal. A last line without its newline was torn by a crash
 * mid-write: its transaction was never acknowledged, so it is dropped (and cut
 * from the file, so the next append starts on a clean line). Any other bad
 * line means the journal is damaged, and replaying past it would fork
 * history, so that fails loudly.
 */
export async function readJournal(file: string, warn: (line: string) => void): Promise<JournalEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lastNewline = text.lastIndexOf('\n');
  if (lastNewline + 1 < text.length) {
    warn(`journal ${file}: ignoring torn last line (${text.length - lastNewline - 1} bytes)`);
    await truncate(file, Buffer.byteLength(text.slice(0, lastNewline + 1)));
    text = text.slice(0, lastNewline + 1);
  }
  const entries: JournalEntry[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (!isEntry(parsed)) throw new Error(`journal ${file}: line ${i + 1} is not a valid entry: ${line.slice(0, 200)}`);
    entries.push(parsed);
  });
  return entries;
}

/** Appends entries durably: `append` resolves only after fsync. */
export class JournalWriter {
  private constructor(private readonly handle: FileHandle) {}

  static async open(file: string): Promise<JournalWriter> {
    return new JournalWriter(await open(file, 'a'));
  }

  async append(entry: JournalEntry): Promise<void> {
    const line = JSON.stringify({
      raw: entry.raw,
      hash: entry.hash,
      block: entry.block,
      timestamp: entry.timestamp,
    });
    await this.handle.appendFile(line + '\n');
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
