/**
 * Offset bookkeeping of one durable subscription. Events enter in sequence
 * order as they are read; each leaves when it is acked or dead-lettered, in
 * any order. The offset (low watermark) is the highest sequence up to which
 * every event has left, or was filtered out while reading.
 */
export class DeliveryWindow {
  private readonly open = new Set<number>();
  /** Sequences that entered, ascending; `head` skips those that left. */
  private order: number[] = [];
  private head = 0;

  /** @param read the sequence reading starts after (the stored offset). */
  constructor(private read: number) {}

  /** The last sequence read from the log. */
  get lastRead(): number {
    return this.read;
  }

  /** Events between the offset and the last read that are still open. */
  get size(): number {
    return this.open.size;
  }

  /** An event that must be delivered; sequences must grow. */
  enter(sequence: number): void {
    if (this.order.length > 0 && sequence <= this.order[this.order.length - 1])
      throw new Error(`sequence ${sequence} entered out of order`);
    this.open.add(sequence);
    this.order.push(sequence);
    if (sequence > this.read) this.read = sequence;
  }

  /** Everything up to `sequence` has been read (events not entered were filtered out). */
  readThrough(sequence: number): void {
    if (sequence > this.read) this.read = sequence;
  }

  has(sequence: number): boolean {
    return this.open.has(sequence);
  }

  leave(sequence: number): boolean {
    return this.open.delete(sequence);
  }

  offset(): number {
    while (this.head < this.order.length && !this.open.has(this.order[this.head])) this.head++;
    if (this.head > 4096 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return this.head < this.order.length ? this.order[this.head] - 1 : this.read;
  }
}
