import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Contract, JsonRpcProvider, Wallet } from 'ethers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket from 'ws';
import { messageId } from '../../workflows/messages.js';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { canonicalJson } from '../../apps/shared/exchange/canonical.js';
import { MEMBER_HEADER, SIGNATURE_HEADER, signRequest, TIMESTAMP_HEADER } from '../../apps/shared/exchange/signing.js';
import { Api, type ProcessView } from './api.js';
import type { Member } from './network-process.js';
import { E2E_PORTS } from './ports.js';

/**
 * Bad input at every door of a member: each gets a JSON error with a stable
 * code, changes nothing, and the member stays up. The codes are part of the
 * API (docs/api): a change here is a change for every client.
 */
const api = new Api(E2E_PORTS);
const MEMBERS: Member[] = ['buyer', 'seller', 'bank'];
const wallets = { buyer: DEV_ACCOUNTS[1], seller: DEV_ACCOUNTS[2], bank: DEV_ACCOUNTS[3] };

type ErrorBody = { error?: { code: string; message: string; details?: unknown } };

async function errorOf(res: Response): Promise<{ status: number; code?: string; message?: string }> {
  const body = (await res.json()) as ErrorBody;
  expect(typeof body.error?.message).toBe('string');
  return { status: res.status, code: body.error?.code, message: body.error?.message };
}

const totals = () =>
  Promise.all(
    MEMBERS.map(async (m) => (await api.request<{ total: number }>(m, '/api/v1/processes?limit=1')).body.total),
  );

describe('bad input: a clear JSON error with a stable code, nothing changed, the member still up', () => {
  let done: ProcessView;
  let before: number[];

  beforeAll(async () => {
    const started = await api.startTrade(4242);
    done = (await api.settled(started.id, ['completed'])).buyer;
    before = await totals();
  });

  afterAll(async () => {
    for (const m of MEMBERS) expect((await api.fetch(m, '/healthz')).status, m).toBe(200);
    expect(await totals()).toEqual(before);
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    api.fetch('buyer', path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it.each([
    ['malformed JSON', '{"type": "trade-settlement", ', 400, 'malformed-request'],
    ['a JSON array', '[1, 2]', 400, 'invalid-request'],
    ['wrong types', '{"type": 5, "input": "x", "participants": 3}', 400, 'invalid-request'],
    ['missing fields', '{}', 400, 'invalid-request'],
    ['an unknown field', '{"type": "trade-settlement", "input": {}, "admin": true}', 400, 'invalid-request'],
    ['an unknown process type', '{"type": "no-such-process", "input": {}}', 404, 'unknown-process-type'],
    ['input the type refuses', '{"type": "trade-settlement", "input": {"amount": "lots"}}', 400, 'invalid-input'],
    [
      'an unknown participant',
      '{"type": "trade-settlement", "input": {"item": "x", "quantity": 1, "amount": 1}, "participants": {"buyer": "buyer", "seller": "mallory", "bank": "bank"}}',
      400,
      undefined,
    ],
  ])('POST /api/v1/processes with %s', async (_what, body, status, code) => {
    const error = await errorOf(await post('/api/v1/processes', body));
    expect(error.status).toBe(status);
    if (code) expect(error.code).toBe(code);
    else expect(error.code).toMatch(/^[a-z-]+$/);
  });

  it('refuses a body over MAX_BODY_BYTES and a blob over MAX_BLOB_BYTES with 413', async () => {
    const big = JSON.stringify({ type: 'trade-settlement', input: { note: 'x'.repeat(1_100_000) } });
    expect(await errorOf(await post('/api/v1/processes', big))).toMatchObject({
      status: 413,
      code: 'payload-too-large',
    });
    const blob = await api.uploadBlob<ErrorBody>('buyer', new Uint8Array(50 * 1024 * 1024 + 1), 'huge.bin');
    expect(blob.status).toBe(413);
    expect(blob.body.error?.code).toBe('blob-too-large');
  });

  it('answers unknown processes, steps and malformed ids', async () => {
    const unknown = randomUUID();
    expect(await errorOf(await api.fetch('buyer', `/api/v1/processes/${unknown}`))).toMatchObject({
      status: 404,
      code: 'unknown-process',
    });
    const cancel = await api.cancel('buyer', unknown);
    expect(cancel.status).toBe(404);
    expect((await errorOf(await api.fetch('buyer', '/api/v1/processes/not-a-uuid'))).status).toBe(400);
    const step = await api.decide('buyer', done.id, 'no-such-step', true);
    expect([404, 409]).toContain(step.status);
    expect(step.body.error?.code).toMatch(/^(unknown-step|process-finished)$/);
  });

  it('never lets a name reach the file system: dashboard files, data ids and blob names', async () => {
    for (const path of ['/dashboard/..%2F..%2F..%2Fpackage.json', '/dashboard/%2e%2e%2fpackage.json'])
      expect((await errorOf(await api.fetch('buyer', path))).code, path).toBe('unknown-asset');
    const data = await api.fetch('buyer', '/api/v1/data/..%2F..%2F..%2Fpackage.json/blob');
    expect([400, 404]).toContain(data.status);
    expect((await errorOf(data)).code).toMatch(/^[a-z-]+$/);
    const traversal = await api.uploadBlob<{ name: string; hash: string }>(
      'buyer',
      new TextEncoder().encode('harmless'),
      '../../../../etc/passwd',
    );
    expect(traversal.status).toBe(201);
    expect(traversal.body.name).toBe('passwd');
  });

  describe('member-to-member intake', () => {
    const messagePath = '/api/v1/network/messages';
    const signedPost = async (from: Member, body: string, key = wallets[from].privateKey) =>
      post(messagePath, body, signRequest(new Wallet(key), from, body));

    it('refuses a key that is not a registered member', async () => {
      const body = canonicalJson({ kind: 'cancel-requested', id: 'x', processId: done.id, author: 'seller' });
      const stranger = await signedPost('seller', body, DEV_ACCOUNTS[4].privateKey); // #4: not a member
      expect(await errorOf(stranger)).toMatchObject({ status: 401, code: 'unknown-member' });
      // An Ethereum personal signature (members before the native signatures) is checked the same way.
      const now = String(Date.now());
      const legacy = await post(messagePath, body, {
        [MEMBER_HEADER]: 'seller',
        [TIMESTAMP_HEADER]: now,
        [SIGNATURE_HEADER]: await new Wallet(DEV_ACCOUNTS[4].privateKey).signMessage(`baton-exchange\n${now}\n${body}`),
      });
      expect(await errorOf(legacy)).toMatchObject({ status: 401, code: 'unknown-member' });
    });

    it('refuses an old signed request replayed later', async () => {
      const body = canonicalJson({ kind: 'cancel-requested', id: 'x', processId: done.id, author: 'seller' });
      const tenMinutesAgo = Date.now() - 10 * 60_000;
      const headers = signRequest(new Wallet(wallets.seller.privateKey), 'seller', body, tenMinutesAgo);
      const stale = await post(messagePath, body, headers);
      expect(await errorOf(stale)).toMatchObject({ status: 401, code: 'bad-signature' });
      // The same from a member still on Ethereum personal signatures.
      const old = String(tenMinutesAgo);
      const legacy = await post(messagePath, body, {
        [MEMBER_HEADER]: 'seller',
        [TIMESTAMP_HEADER]: old,
        [SIGNATURE_HEADER]: await new Wallet(wallets.seller.privateKey).signMessage(`baton-exchange\n${old}\n${body}`),
      });
      expect(await errorOf(legacy)).toMatchObject({ status: 401, code: 'bad-signature' });
    });

    it('refuses a message by another author, and a version of a pinned message with other data', async () => {
      const forged = {
        kind: 'step-outcome',
        id: messageId(done.id, 'step-outcome', 'reserve-stock'),
        processId: done.id,
        author: 'seller',
        step: 'reserve-stock',
        outcome: 'rejected',
        reason: 'forged after the fact',
      };
      const byOther = await signedPost('bank', canonicalJson(forged));
      expect(await errorOf(byOther)).toMatchObject({ status: 403, code: 'wrong-author' });
      const conflicting = await signedPost('seller', canonicalJson(forged));
      expect(await errorOf(conflicting)).toMatchObject({ status: 409, code: 'conflicting-message' });
      const after = await api.process('buyer', done.id);
      expect(after?.status).toBe('completed');
      expect(after?.digest).toBe(done.digest);
    });
  });

  it('keeps the chain to members: a pin from a non-member reverts', async () => {
    const { sequencer } = JSON.parse(readFileSync(join(inject('e2eDataDir'), 'chain', 'deployment.json'), 'utf8')) as {
      sequencer: string;
    };
    const provider = new JsonRpcProvider(`http://127.0.0.1:${E2E_PORTS.chain}`);
    const outsider = new Contract(
      sequencer,
      ['function pinBatch(bytes32[] contexts, bytes32[] pins)'],
      new Wallet(DEV_ACCOUNTS[4].privateKey, provider),
    );
    const zero = `0x${'00'.repeat(32)}`;
    await expect(outsider.pinBatch([zero], [zero])).rejects.toThrow(/NotMember|revert/);
    provider.destroy();
  });

  it('answers bad WebSocket frames with protocol_error and keeps the connection usable', async () => {
    const ws = new WebSocket(`${api.url('buyer').replace('http', 'ws')}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const frames: { type?: string; error?: string }[] = [];
    ws.on('message', (data) => frames.push(JSON.parse((data as Buffer).toString()) as { type?: string }));
    for (const bad of ['not json', '[]', '{"type":"explode"}', '{"type":"start","options":{"firstEvent":"yesterday"}}'])
      ws.send(bad);
    ws.send(
      JSON.stringify({ type: 'start', namespace: 'default', ephemeral: true, options: { firstEvent: 'oldest' } }),
    );
    const deadline = Date.now() + 10_000;
    while (!frames.some((f) => f.type !== 'protocol_error') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    ws.close();
    const errors = frames.filter((f) => f.type === 'protocol_error');
    expect(errors.length).toBe(4);
    for (const e of errors) expect(e.error).toMatch(/\w/);
    expect(frames.some((f) => f.type !== 'protocol_error')).toBe(true);
  });

  it('closes a connection that sends a frame over WS_MAX_FRAME_BYTES (64 KiB) with 1009, before buffering it', async () => {
    const ws = new WebSocket(`${api.url('buyer').replace('http', 'ws')}/ws`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send('x'.repeat(70 * 1024));
    expect(await closed).toBe(1009);
  });

  it('bounds one client: connections beyond WS_MAX_CONNECTIONS_PER_CLIENT are closed, frame floods dropped', async () => {
    const url = `${api.url('buyer').replace('http', 'ws')}/ws`;
    // The bound is per client address. Other test files' subscribers connect
    // from 127.0.0.1, so this client comes from a loopback address of its own.
    const open = (): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, { localAddress: '127.0.0.77' });
        ws.once('open', () => resolve(ws)).once('error', reject);
      });
    const closedWith = (ws: WebSocket) =>
      new Promise<[number, string]>((r) => ws.once('close', (c, why) => r([c, why.toString()])));
    const sockets = await Promise.all(Array.from({ length: 100 }, open)); // the default bound
    const early = sockets.map(closedWith);
    const extra = await open();
    const [code, reason] = await Promise.race([
      closedWith(extra),
      sleep(10_000).then((): [number, string] => [0, 'the 101st connection was not closed within 10 s']),
    ]);
    expect(code).toBe(1008);
    expect(reason).toMatch(/too many connections/);
    // None of the first hundred was refused.
    expect(await Promise.race([Promise.race(early).then(() => 'closed'), sleep(200).then(() => 'open')])).toBe('open');
    for (const ws of sockets) ws.close();
    await new Promise((r) => setTimeout(r, 500));

    const flooded = await open();
    const errors: string[] = [];
    flooded.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as { type: string; error?: string };
      if (frame.type === 'protocol_error') errors.push(frame.error ?? '');
    });
    for (let i = 0; i < 1000; i++) flooded.send('{"type":"ack"}');
    await new Promise((r) => setTimeout(r, 1000));
    expect(errors.some((e) => /too many frames/.test(e))).toBe(true);
    // Still served once it slows down.
    flooded.send(
      JSON.stringify({ type: 'start', namespace: 'default', ephemeral: true, options: { firstEvent: 'oldest' } }),
    );
    const event = await new Promise((r) =>
      flooded.on('message', (data) => {
        const frame = JSON.parse((data as Buffer).toString()) as { type: string; sequence?: number };
        if (frame.sequence) r(frame);
      }),
    );
    expect(event).toBeDefined();
    flooded.close();
  });
});
