import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';

/** One mined transaction, as needed to mine it again identically. */
export interface JournalEntry {
  raw: string;
  hash: string;
  block: number;
  timestamp: number;
  /** How many transactions its block holds, when more than one (a chain with a block time); their lines follow each other in the block's order. */
  blockTxs?: number;
}

function isEntry(v: unknown): v is JournalEntry {
  const e = v as Partial<JournalEntry> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.raw === 'string' &&
    typeof e.hash === 'string' &&
    Number.isInteger(e.block) &&
    Number.isInteger(e.timestamp) &&
    (e.blockTxs === undefined || (Number.isInteger(e.blockTxs) && e.blockTxs > 1))
  );
}

/**
 * Reads the journal. A last line without its newline was torn by a crash
 * mid-write: its transaction was never acknowledged, so it is dropped (and cut
 * from the file, so the next append starts on a clean line). So is a last
 * block with fewer lines than its `blockTxs`: the write of its lines was cut
 * short, and no reader saw the block. Any other bad line means the journal is
 * damaged, and replaying past it would fork history, so that fails loudly.
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
  /** Where each entry's line ends in `text`, its newline included. */
  const ends: number[] = [];
  let at = 0;
  text.split('\n').forEach((line, i) => {
    at += line.length + 1;
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (!isEntry(parsed)) throw new Error(`journal ${file}: line ${i + 1} is not a valid entry: ${line.slice(0, 200)}`);
    const previous = entries.at(-1);
    if (previous && previous.block === parsed.block && previous.blockTxs !== parsed.blockTxs)
      throw new Error(
        `journal ${file}: line ${i + 1} disagrees with the line before on the size of block ${parsed.block}`,
      );
    entries.push(parsed);
    ends.push(at);
  });
  const last = entries.at(-1);
  const inLastBlock = last ? entries.length - entries.findIndex((e) => e.block === last.block) : 0;
  if (last?.blockTxs !== undefined && inLastBlock < last.blockTxs) {
    warn(
      `journal ${file}: ignoring torn last block ${last.block} (${inLastBlock} of its ${last.blockTxs} transactions)`,
    );
    const kept = entries.length - inLastBlock;
    await truncate(file, Buffer.byteLength(text.slice(0, kept ? ends[kept - 1] : 0)));
    return entries.slice(0, kept);
  }
  return entries;
}

/** Appends entries durably: `append` resolves only after fsync. */
export class JournalWriter {
  private constructor(private readonly handle: FileHandle) {}

  static async open(file: string): Promise<JournalWriter> {
    return new JournalWriter(await open(file, 'a'));
  }

  /** Appends the transactions of one block (one line each, in one write) and syncs. */
  async append(entries: JournalEntry[]): Promise<void> {
    const lines = entries.map((e) =>
      JSON.stringify({
        raw: e.raw,
        hash: e.hash,
        block: e.block,
        timestamp: e.timestamp,
        ...(entries.length > 1 ? { blockTxs: entries.length } : {}),
      }),
    );
    await this.handle.appendFile(lines.join('\n') + '\n');
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
