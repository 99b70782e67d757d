import WebSocket from 'ws';

/** A process or step event as a subscriber receives it, with the time it arrived here. */
export interface ReceivedEvent {
  member: string;
  type: string;
  processId?: string;
  pin?: number;
  /** The member that wrote the pin (process events). */
  author?: string;
  /** batch-pinned: the block the batch is in. */
  blockNumber?: number;
  receivedAt: number;
}

const FINAL = /^process-(completed|compensated|failed)$/;

/**
 * Follows every member's process and step events over `/ws` (an ephemeral
 * subscription, as an app would) and tells when a process reached its final
 * state at every member.
 */
export class MemberFeeds {
  private readonly sockets: WebSocket[] = [];
  private readonly finals = new Map<string, Set<string>>();
  private readonly waiters = new Map<string, () => void>();
  /** Every event received, while recording is on (for delivery latency). */
  events: ReceivedEvent[] = [];
  recording = false;

  private constructor(private readonly members: string[]) {}

  static async open(gateways: Record<string, string>): Promise<MemberFeeds> {
    const feeds = new MemberFeeds(Object.keys(gateways));
    await Promise.all(Object.entries(gateways).map(([m, url]) => feeds.connect(m, url)));
    return feeds;
  }

  /** Resolves when `processId` reached a final state at every member. */
  waitFinal(processId: string, timeoutMs: number): Promise<void> {
    if ((this.finals.get(processId)?.size ?? 0) >= this.members.length) {
      this.finals.delete(processId);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(processId);
        reject(new Error(`process ${processId} not final at every member after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(processId, () => {
        clearTimeout(timer);
        this.finals.delete(processId);
        resolve();
      });
    });
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }

  private connect(member: string, gateway: string): Promise<void> {
    const ws = new WebSocket(`${gateway.replace(/^http/, 'ws')}/ws`);
    this.sockets.push(ws);
    ws.on('message', (raw: Buffer) => this.onEvent(member, raw));
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(
          JSON.stringify({
            type: 'start',
            namespace: 'default',
            ephemeral: true,
            autoack: true,
            filter: { events: '^(process-|step-|batch-pinned$)' },
          }),
        );
        // The gateway has no "started" frame: give it a moment to register the subscription.
        setTimeout(resolve, 200);
      });
    });
  }

  private onEvent(member: string, raw: Buffer): void {
    const receivedAt = Date.now();
    const e = JSON.parse(raw.toString()) as {
      type: string;
      reference?: string;
      data?: { pin?: number; blockNumber?: number; author?: string };
    };
    if (this.recording)
      this.events.push({
        member,
        type: e.type,
        processId: e.reference,
        pin: e.data?.pin,
        author: e.data?.author,
        blockNumber: e.data?.blockNumber,
        receivedAt,
      });
    if (!FINAL.test(e.type) || !e.reference) return;
    const seen = this.finals.get(e.reference) ?? new Set<string>();
    seen.add(member);
    this.finals.set(e.reference, seen);
    if (seen.size >= this.members.length) this.waiters.get(e.reference)?.();
  }
}
