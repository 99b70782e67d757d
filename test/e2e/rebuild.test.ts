import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { SequencerClient } from '../../apps/shared/chain/sequencer.js';
import { canonicalJson, processContext } from '../../apps/shared/exchange/canonical.js';
import { DATA_REQUESTS_PATH } from '../../apps/shared/exchange/data-requests.js';
import { signRequest } from '../../apps/shared/exchange/signing.js';
import { MemberNetwork, type MemberSpec } from './member-network.js';
import { REBUILD_PORTS } from './ports.js';

const BUYER: MemberSpec = { name: 'buyer', account: 1, slot: 1 };
const SELLER: MemberSpec = { name: 'seller', account: 2, slot: 2 };
const BANK: MemberSpec = { name: 'bank', account: 3, slot: 3 };
/** Registered only after the first processes ran (account #5: #4 is the tests' non-member). */
const DAVE: MemberSpec = { name: 'dave', account: 5, slot: 4 };
const FOUNDERS = [BUYER, SELLER, BANK];
const FINAL = ['completed', 'compensated', 'failed'];

interface View {
  id: string;
  status: string;
  digest: string;
  steps: { name: string; status: string }[];
  effects: { step: string; kind: string }[];
  workflow: { namespace: string; workflowId: string };
}
interface LogEvent {
  sequence: number;
  type: string;
  reference?: string;
  data?: Record<string, unknown>;
}
interface Status {
  ledger?: { nextBlock: number; events: number; pins: Record<string, number> };
}

const dataDir = mkdtempSync(join(tmpdir(), 'baton-rebuild-'));
const net = new MemberNetwork(REBUILD_PORTS, dataDir);

async function call<T>(member: MemberSpec, path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const res = await fetch(`${net.gatewayUrl(member)}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...init?.headers },
  });
  return { status: res.status, body: (await res.json()) as T };
}

async function view(member: MemberSpec, id: string): Promise<View | undefined> {
  const { status, body } = await call<View>(member, `/api/v1/processes/${id}`);
  return status === 200 ? body : undefined;
}

async function settled(members: MemberSpec[], id: string): Promise<View[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const views = await Promise.all(members.map((m) => view(m, id)));
    if (views.every((v) => v && FINAL.includes(v.status))) return views as View[];
    if (Date.now() > deadline)
      throw new Error(`process ${id} not settled: ${JSON.stringify(views.map((v) => v?.status))}`);
    await sleep(250);
  }
}

async function startTrade(at: MemberSpec, input: Record<string, unknown>, participants?: Record<string, string>) {
  const { status, body } = await call<View>(at, '/api/v1/processes', {
    method: 'POST',
    body: JSON.stringify({ type: 'trade-settlement', input: { item: 'steel', quantity: 10, ...input }, participants }),
  });
  expect(status, JSON.stringify(body)).toBe(202);
  return body.id;
}

/** A loan arranged by the bank, lent by the buyer and the seller: it waits for each lender's decision. */
async function startLoan(): Promise<string> {
  const { status, body } = await call<View>(BANK, '/api/v1/processes', {
    method: 'POST',
    body: JSON.stringify({
      type: 'loan-syndication',
      input: { borrower: 'acme', amount: 1_000_000 },
      participants: { arranger: 'bank', lender1: 'buyer', lender2: 'seller' },
    }),
  });
  expect(status, JSON.stringify(body)).toBe(202);
  return body.id;
}

/** A lender's decision at its own gateway, asked again while the member is not ready for it yet (as a client would). */
async function decide(member: MemberSpec, id: string, step: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { status, body } = await call<{ error?: { code: string } }>(
      member,
      `/api/v1/processes/${id}/steps/${step}/decision`,
      { method: 'POST', body: JSON.stringify({ approve: true }) },
    );
    if (status === 200) return;
    const code = body.error?.code;
    const notYet = ['step-not-ready', 'unknown-process', 'workflow-unavailable'];
    if (!code || !notYet.includes(code) || Date.now() > deadline)
      throw new Error(`${member.name} could not decide ${step}: ${status} ${JSON.stringify(body)}`);
    await sleep(300);
  }
}

/** The whole event log, paged; its sequence must be 1, 2, 3 ... without a gap. */
async function eventLog(member: MemberSpec): Promise<LogEvent[]> {
  const all: LogEvent[] = [];
  for (;;) {
    const { body } = await call<LogEvent[]>(member, `/api/v1/namespaces/default/events?after=${all.length}&limit=1000`);
    all.push(...body);
    if (body.length < 1000) break;
  }
  expect(all.map((e) => e.sequence)).toEqual(all.map((_, i) => i + 1));
  return all;
}

/** Waits until the member read the chain to its head and every pin is projected and handed to its workflow (or held). */
async function caughtUp(member: MemberSpec): Promise<void> {
  const chain = new SequencerClient({ rpcUrl: net.chainUrl, address: net.sequencer });
  try {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const { body } = await call<Status>(member, '/api/v1/status').catch((): { body: Status } => ({ body: {} }));
      const l = body.ledger;
      if (l && l.nextBlock > (await chain.blockNumber()) && l.pins.pending === 0 && l.pins.projected === 0) return;
      if (Date.now() > deadline) throw new Error(`${member.name} did not catch up: ${JSON.stringify(l)}`);
      await sleep(250);
    }
  } finally {
    chain.destroy();
  }
}

/** What a process's events say, in order, leaving out data-received (written when data arrives, by push or on request). */
function processStory(log: LogEvent[], id: string): string[] {
  return log
    .filter((e) => e.reference === id && e.type !== 'data-received')
    .map((e) => JSON.stringify([e.type, e.data?.step, e.data?.pin]));
}

describe('rebuild from block 0 and late join', () => {
  const processes: string[] = [];
  let invoice: { id: string; hash: string };
  const invoiceBytes = randomBytes(50_000);
  const digests = new Map<string, string>();

  beforeAll(async () => {
    await net.start(['buyer', 'seller', 'bank', 'dave', 'bank-fresh', 'seller-fresh']);
    for (const m of FOUNDERS) await net.register(m);
    await Promise.all(FOUNDERS.map((m) => net.startMember(m)));
    const form = new FormData();
    form.append('file', new Blob([invoiceBytes]), 'invoice.pdf');
    const res = await fetch(`${net.gatewayUrl(BUYER)}/api/v1/data`, { method: 'POST', body: form });
    const { id, hash } = (await res.json()) as { id: string; hash: string };
    expect(res.status).toBe(201);
    invoice = { id, hash };
    processes.push(await startTrade(BUYER, { amount: 500, invoice: { blob: invoice } }));
    processes.push(await startTrade(BUYER, { amount: 2_000_000 })); // over the credit limit: compensated
    processes.push(await startTrade(SELLER, { amount: 700 }));
    for (const id of processes) {
      const views = await settled(FOUNDERS, id);
      expect(new Set(views.map((v) => v.digest)).size).toBe(1);
      digests.set(id, views[0].digest);
    }
    expect((await view(BUYER, processes[0]))!.status).toBe('completed');
    expect((await view(BUYER, processes[1]))!.status).toBe('compensated');
  });

  afterAll(async () => {
    await net.stop();
    if (process.env.BATON_KEEP_E2E_DATA) console.log(`rebuild test data kept in ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  });

  it('a member whose database and blobs were wiped rebuilds every process, its event log and its private data', async () => {
    const before = await eventLog(SELLER);
    await net.stopMember(SELLER);
    await net.wipeMember(SELLER);
    await net.startMember(SELLER); // its Temporal namespace still holds the old workflows
    await caughtUp(SELLER);

    const after = await eventLog(SELLER);
    for (const id of processes) {
      expect((await view(SELLER, id))?.digest).toBe(digests.get(id));
      expect(processStory(after, id)).toEqual(processStory(before, id));
      const confirmed = after.filter((e) => e.reference === id && e.type === 'message-confirmed');
      const received = after.filter((e) => e.reference === id && e.type === 'data-received');
      // Every pinned message is back, re-sent by the other participants, its own included.
      expect(new Set(received.map((e) => e.data?.hash))).toEqual(new Set(confirmed.map((e) => e.data?.hash)));
      expect(confirmed.length).toBeGreaterThanOrEqual(6);
    }
    // The raw ledger: every batch once.
    const batches = (log: LogEvent[]) => log.filter((e) => e.type === 'batch-pinned').map((e) => e.data?.batch);
    expect(batches(after)).toEqual(batches(before));
    // The blob the first process refers to is here again, the same bytes.
    const blob = await fetch(`${net.gatewayUrl(SELLER)}/api/v1/data/${invoice.id}/blob`);
    expect(blob.status).toBe(200);
    expect(Buffer.from(await blob.arrayBuffer()).equals(invoiceBytes)).toBe(true);

    // And it takes part in new processes as before.
    const next = await startTrade(BUYER, { amount: 800 });
    const views = await settled(FOUNDERS, next);
    expect(views.map((v) => v.status)).toEqual(['completed', 'completed', 'completed']);
    expect(new Set(views.map((v) => v.digest)).size).toBe(1);
    processes.push(next);
    digests.set(next, views[0].digest);
  });

  it('with an empty Temporal namespace as well, it reaches the same state and runs nothing the ledger already decided', async () => {
    const chain = new SequencerClient({ rpcUrl: net.chainUrl, address: net.sequencer });
    const head = await chain.blockNumber();
    await net.stopMember(BANK);
    await net.wipeMember(BANK);
    await net.startMember(BANK, 'bank-fresh');
    await caughtUp(BANK);
    const connection = await Connection.connect({ address: `127.0.0.1:${REBUILD_PORTS.temporal}` });
    const temporal = new Client({ connection, namespace: 'bank-fresh' });
    for (const id of processes) {
      const v = (await view(BANK, id))!;
      expect(v.digest).toBe(digests.get(id));
      // The bank's actions and compensations are on the ledger already: none ran again.
      expect(v.effects).toEqual([]);
      // Its new workflow applied the ledger's history and finished.
      expect(v.workflow.namespace).toBe('bank-fresh');
      const handle = temporal.workflow.getHandle(v.workflow.workflowId);
      const result = (await handle.result()) as { status: string; appliedIndex: number };
      expect(result.status).toBe(v.status);
    }
    await connection.close();
    await sleep(2_000); // time for anything wrongly re-run to be published
    expect(await chain.blockNumber()).toBe(head); // nothing was pinned again
    chain.destroy();
    const next = await startTrade(SELLER, { amount: 900 });
    const views = await settled(FOUNDERS, next);
    expect(views.map((v) => v.status)).toEqual(['completed', 'completed', 'completed']);
    expect(new Set(views.map((v) => v.digest)).size).toBe(1);
  });

  it('with its database kept and an empty Temporal namespace, a process waiting for a decision goes on from the ledger', async () => {
    const id = await startLoan();
    const deadline = Date.now() + 60_000;
    while ((await view(SELLER, id))?.steps.find((x) => x.name === 'propose-terms')?.status !== 'done') {
      if (Date.now() > deadline) throw new Error('propose-terms never done at the seller');
      await sleep(200);
    }
    // The seller's Temporal namespace is lost (a new one), its database is not:
    // every pin so far is delivered there, and nothing new will come before the
    // seller decides. Its worker finds the workflow missing at its start and
    // starts it again with the ledger's history, which takes the decision.
    await net.stopMember(SELLER);
    await net.startMember(SELLER, 'seller-fresh');
    await caughtUp(SELLER);
    await decide(SELLER, id, 'approve-lender2');
    await decide(BUYER, id, 'approve-lender1');
    const views = await settled(FOUNDERS, id);
    expect(views.map((v) => v.status)).toEqual(['completed', 'completed', 'completed']);
    expect(new Set(views.map((v) => v.digest)).size).toBe(1);
    const seller = views[1];
    expect(seller.workflow.namespace).toBe('seller-fresh');
    expect(seller.effects.map((e) => `${e.step} ${e.kind}`)).toEqual(['approve-lender2 action']);
  });

  it('a member serves private data only to participants of the process: 403 otherwise', async () => {
    await net.register(DAVE);
    const ask = async (who: MemberSpec, body: string, signed = true) => {
      const wallet = new Wallet(DEV_ACCOUNTS[who.account].privateKey);
      const headers = signed ? signRequest(wallet, who.name, body) : {};
      return call<{ processes?: { messages: string[] }[]; error?: { code: string; details?: unknown } }>(
        BUYER,
        DATA_REQUESTS_PATH,
        { method: 'POST', headers, body },
      );
    };
    const context = processContext(processes[0]);
    const body = canonicalJson({ contexts: [context] });
    const refused = await ask(DAVE, body);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toEqual({
      code: 'not-a-participant',
      message: 'member dave takes no part in 1 of the processes asked for',
      details: { refused: [context] },
    });
    const unsigned = await ask(DAVE, body, false);
    expect(unsigned.status).toBe(401);
    const served = await ask(SELLER, body);
    expect(served.status).toBe(200);
    expect(served.body.processes![0].messages.length).toBeGreaterThanOrEqual(6);
  });

  it('a member added later reads the whole pin history and joins processes started after it joined', async () => {
    await net.register(DAVE);
    await net.startMember(DAVE);
    await caughtUp(DAVE);
    const batches = (log: LogEvent[]) => log.filter((e) => e.type === 'batch-pinned').map((e) => e.data?.batch);
    const buyerLog = await eventLog(BUYER);
    const daveLog = await eventLog(DAVE);
    expect(batches(daveLog)).toEqual(batches(buyerLog));
    const { body: status } = await call<Status>(DAVE, '/api/v1/status');
    const { body: buyerStatus } = await call<Status>(BUYER, '/api/v1/status');
    const total = (s: Status) => Object.values(s.ledger!.pins).reduce((a, b) => a + b, 0);
    expect(total(status)).toBe(total(buyerStatus));
    expect(status.ledger!.pins.foreign).toBe(total(status)); // none of those processes is dave's
    for (const id of processes) expect(await view(DAVE, id)).toBeUndefined();

    const joined = await startTrade(DAVE, { amount: 400 }, { buyer: 'dave', seller: 'seller', bank: 'bank' });
    const views = await settled([DAVE, SELLER, BANK], joined);
    expect(views.map((v) => v.status)).toEqual(['completed', 'completed', 'completed']);
    expect(new Set(views.map((v) => v.digest)).size).toBe(1);
    expect(await view(BUYER, joined)).toBeUndefined();
  });
});
