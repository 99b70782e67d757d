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
  /** When the member wrote the event into its log (the event's `created`), ms since the epoch. */
  createdAt?: number;
  receivedAt: number;
}

const FINAL = /^process-(completed|compensated|failed)$/;

const FILTER = '^(process-|step-|batch-pinned$)';

/**
 * Creates a durable WebSocket subscription (FireFly's shape); false when the
 * gateway has no subscriptions API.
 */
export async function createDurableSubscription(
  gateway: string,
  name: string,
  events: string,
  options: Record<string, unknown>,
): Promise<boolean> {
  const res = await fetch(`${gateway}/api/v1/namespaces/default/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, transport: 'websockets', filter: { events }, options }),
  });
  if (res.status === 404) return false;
  if (!res.ok) throw new Error(`subscription ${name} refused: ${res.status} ${await res.text()}`);
  return true;
}

/**
 * Follows every member's process and step events over `/ws`, as an app
 * would: through a durable subscription, acking each event, when the
 * gateway has them, else an ephemeral one. Tells when a process reached its
 * final state at every member.
 */
export class MemberFeeds {
  private readonly sockets: WebSocket[] = [];
  private readonly finals = new Map<string, Set<string>>();
  private readonly waiters = new Map<string, () => void>();
  /** Every event received, while recording is on (for delivery latency). */
  events: ReceivedEvent[] = [];
  recording = false;

  private constructor(
    private readonly members: string[],
    readonly durable: boolean,
  ) {}

  static async open(gateways: Record<string, string>): Promise<MemberFeeds> {
    const names = Object.fromEntries(Object.keys(gateways).map((m) => [m, `bench-feed-${m}`]));
    let durable = true;
    for (const [m, url] of Object.entries(gateways))
      durable &&= await createDurableSubscription(url, names[m], FILTER, {
        firstEvent: 'newest',
        withData: true,
        readAhead: 200,
      });
    const feeds = new MemberFeeds(Object.keys(gateways), durable);
    await Promise.all(
      Object.entries(gateways).map(([m, url]) => feeds.connect(m, url, durable ? names[m] : undefined)),
    );
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

  private connect(member: string, gateway: string, name?: string): Promise<void> {
    const ws = new WebSocket(`${gateway.replace(/^http/, 'ws')}/ws`);
    this.sockets.push(ws);
    ws.on('message', (raw: Buffer) => {
      const id = this.onEvent(member, raw);
      if (name && id) ws.send(JSON.stringify({ type: 'ack', id, subscription: { name } }));
    });
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.once('open', () => {
        ws.send(
          JSON.stringify(
            name
              ? { type: 'start', namespace: 'default', name }
              : { type: 'start', namespace: 'default', ephemeral: true, autoack: true, filter: { events: FILTER } },
          ),
        );
        // The gateway has no "started" frame: give it a moment to register the subscription.
        setTimeout(resolve, 200);
      });
    });
  }

  /** Notes the event; returns its id (to ack). */
  private onEvent(member: string, raw: Buffer): string | undefined {
    const receivedAt = Date.now();
    const e = JSON.parse(raw.toString()) as {
      id?: string;
      type: string;
      reference?: string;
      created?: string;
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
        createdAt: e.created === undefined ? undefined : Date.parse(e.created),
        receivedAt,
      });
    if (FINAL.test(e.type) && e.reference) {
      const seen = this.finals.get(e.reference) ?? new Set<string>();
      seen.add(member);
      this.finals.set(e.reference, seen);
      if (seen.size >= this.members.length) this.waiters.get(e.reference)?.();
    }
    return e.id;
  }
}
