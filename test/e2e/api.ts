import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayUrl, MEMBERS, type Member, type NetworkPorts } from './network-process.js';

export interface StepView {
  name: string;
  owner: string;
  member: string;
  status: string;
  pin?: number;
  compensationPin?: number;
  reason?: string;
}

export interface ProcessView {
  id: string;
  type: string;
  status: string;
  member: string;
  reason?: string;
  rejectedBy?: string;
  startPin?: number;
  steps: StepView[];
  effects: { step: string; kind: string; description: string }[];
  workflow: { workflowId: string; url: string; namespace: string };
  /** Agreement digest: equal at every member once they agree. */
  digest: string;
}

/** A small client of one network's gateways, speaking only HTTP. */
export class Api {
  constructor(private readonly ports: NetworkPorts) {}

  url(member: Member): string {
    return gatewayUrl(this.ports, member);
  }

  async request<T>(member: Member, path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
    const send = () =>
      fetch(`${this.url(member)}${path}`, {
        ...init,
        headers: { 'content-type': 'application/json', ...init?.headers },
      });
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      // After a restart on the same port, fetch may reuse a pooled keep-alive
      // socket of the old server; a fresh connection is the real answer.
      if ((err as { cause?: { code?: string } }).cause?.code !== 'ECONNRESET') throw err;
      res = await send();
    }
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Like request, with the response headers, for a JSON body sent by POST. */
  async post<T>(
    member: Member,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${this.url(member)}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body ?? {}),
    });
    return { status: res.status, body: (await res.json()) as T, headers: res.headers };
  }

  /** A person's decision on a decision step, at the member that is asked. */
  decide(member: Member, id: string, step: string, approve: boolean, comment?: string) {
    return this.post<{ accepted?: true; error?: { code: string } }>(
      member,
      `/api/v1/processes/${id}/steps/${step}/decision`,
      { approve, ...(comment === undefined ? {} : { comment }) },
    );
  }

  cancel(member: Member, id: string, reason?: string) {
    return this.post<{ outcome?: string; reason?: string; process?: ProcessView; error?: { code: string } }>(
      member,
      `/api/v1/processes/${id}/cancel`,
      reason === undefined ? {} : { reason },
    );
  }

  retry(member: Member, id: string) {
    return this.post<{ step?: string; error?: { code: string } }>(member, `/api/v1/processes/${id}/retry`);
  }

  /** A plain HTTP request: no JSON content type added, the response left unread. */
  fetch(member: Member, path: string, init?: RequestInit): Promise<Response> {
    return fetch(`${this.url(member)}${path}`, init);
  }

  /** Uploads bytes as a multipart blob (field `file`) through POST /api/v1/data. */
  async uploadBlob<T>(member: Member, bytes: Uint8Array, name: string, type = 'application/octet-stream') {
    const form = new FormData();
    form.append('file', new Blob([bytes], { type }), name);
    const res = await this.fetch(member, '/api/v1/data', { method: 'POST', body: form });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Sends an unpinned private message through POST /api/v1/messages. */
  sendMessage<T>(member: Member, message: Record<string, unknown>) {
    return this.request<T>(member, '/api/v1/messages', { method: 'POST', body: JSON.stringify(message) });
  }

  async startTrade(amount: number, member: Member = 'buyer'): Promise<ProcessView> {
    const { status, body } = await this.request<ProcessView>(member, '/api/v1/processes', {
      method: 'POST',
      body: JSON.stringify({ type: 'trade-settlement', input: { item: 'steel', quantity: 10, amount } }),
    });
    if (status !== 202) throw new Error(`start failed: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async process(member: Member, id: string): Promise<ProcessView | undefined> {
    const { status, body } = await this.request<ProcessView>(member, `/api/v1/processes/${id}`);
    return status === 200 ? body : undefined;
  }

  /**
   * Waits until every member reports one of `statuses` for the process;
   * returns each member's view. Callers waiting at once share each look at
   * every member's list of processes (statuses), instead of each asking
   * for its own process: a race test's hundreds of waiters otherwise
   * sent the gateways hundreds of requests a second, more load than the
   * processes they waited for.
   */
  async settled(id: string, statuses: string[], timeoutMs = 90_000): Promise<Record<Member, ProcessView>> {
    const deadline = Date.now() + timeoutMs;
    for (let pause = 200; ; pause = Math.min(1_000, pause * 1.5)) {
      const seen = await this.statuses().catch(() => undefined);
      if (seen?.every((member) => statuses.includes(member.get(id) ?? ''))) {
        const views = await Promise.all(MEMBERS.map((m) => this.process(m, id)));
        if (views.every((v) => v && statuses.includes(v.status)))
          return Object.fromEntries(MEMBERS.map((m, i) => [m, views[i]!])) as Record<Member, ProcessView>;
      }
      if (Date.now() > deadline) {
        const views = await Promise.all(MEMBERS.map((m) => this.process(m, id).catch(() => undefined)));
        throw new Error(`process ${id} not settled: ${JSON.stringify(views.map((v) => [v?.member, v?.status]))}`);
      }
      await sleep(pause);
    }
  }

  /** The latest look at every member's statuses: shared while it runs and for STATUS_LOOK_REUSE_MS after. */
  private look?: { statuses: Promise<Map<string, string>[]>; doneAt?: number };

  /** Each member's status of every process it holds, in MEMBERS order. */
  private statuses(): Promise<Map<string, string>[]> {
    const last = this.look;
    if (last && (last.doneAt === undefined || Date.now() - last.doneAt < STATUS_LOOK_REUSE_MS)) return last.statuses;
    const look: { statuses: Promise<Map<string, string>[]>; doneAt?: number } = {
      statuses: Promise.all(MEMBERS.map((m) => this.statusesAt(m))),
    };
    const done = () => {
      look.doneAt = Date.now();
    };
    look.statuses.then(done, done);
    this.look = look;
    return look.statuses;
  }

  private async statusesAt(member: Member): Promise<Map<string, string>> {
    const seen = new Map<string, string>();
    for (let skip = 0; ; skip += LIST_PAGE) {
      const { status, body } = await this.request<{ items: { id: string; status: string }[]; total: number }>(
        member,
        `/api/v1/processes?limit=${LIST_PAGE}&skip=${skip}`,
      );
      if (status !== 200) throw new Error(`listing processes at ${member}: ${status}`);
      for (const p of body.items) seen.set(p.id, p.status);
      if (body.items.length < LIST_PAGE) return seen;
    }
  }
}

/** The list endpoint's largest page. */
const LIST_PAGE = 500;
/** How long one look at the members' statuses serves the waiters after it ended. */
const STATUS_LOOK_REUSE_MS = 500;

/** What every member must agree on: each step's outcome and the ledger pins behind it. */
export function agreedView(view: ProcessView) {
  return {
    status: view.status,
    reason: view.reason,
    rejectedBy: view.rejectedBy,
    startPin: view.startPin,
    steps: view.steps.map(({ name, member, status, pin, compensationPin }) => ({
      name,
      member,
      status,
      pin,
      compensationPin,
    })),
  };
}
