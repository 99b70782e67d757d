import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Wallet } from 'ethers';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import {
  BLOB_ID_HEADER,
  BLOB_NAME_HEADER,
  BLOB_TYPE_HEADER,
  BLOBS_PATH,
  blobSigningText,
  type BlobMeta,
} from '../../apps/shared/exchange/blob-signing.js';
import { hashBlob } from '../../apps/shared/exchange/blob-store.js';
import { signRequest } from '../../apps/shared/exchange/signing.js';
import { Api } from './api.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);

interface BlobView {
  id: string;
  hash: string;
  size: number;
  contentType: string;
  name: string;
}
interface Note {
  id: string;
  processId: string;
  author: string;
  recipients: string[];
  data: unknown;
}
interface EventView {
  type: string;
  reference?: string;
  data?: { id?: string; author?: string };
}
type ErrorBody = { error: { code: string; message: string } };

async function blockNumber(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${E2E_PORTS.chain}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_blockNumber', params: [] }),
  });
  return Number(((await res.json()) as { result: string }).result);
}

const events = async (member: 'buyer' | 'seller' | 'bank', processId: string) =>
  (await api.request<EventView[]>(member, `/api/v1/namespaces/default/events?reference=${processId}&limit=1000`)).body;

describe('blobs and unpinned private messages on the local network', () => {
  let processId: string;

  beforeAll(async () => {
    const started = await api.startTrade(700);
    await api.settled(started.id, ['completed', 'compensated', 'failed']);
    processId = started.id;
  });

  it('stores an uploaded blob under its hash and gives the same bytes back', async () => {
    const bytes = randomBytes(300_000);
    const up = await api.uploadBlob<BlobView>('buyer', bytes, '../../etc/..passwd<script>.bin', 'image/png');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body).toMatchObject({ hash: hashBlob(bytes), size: bytes.length, contentType: 'image/png' });
    expect(up.body.name).not.toMatch(/[/\\<>]/);
    expect(up.body.name.startsWith('.')).toBe(false);
    const meta = await api.request<BlobView>('buyer', `/api/v1/data/${up.body.id}`);
    expect(meta.body).toMatchObject(up.body);
    const res = await api.fetch('buyer', `/api/v1/data/${up.body.id}/blob`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    // Other members never got it, and unknown ids are 404.
    expect((await api.request<ErrorBody>('seller', `/api/v1/data/${up.body.id}/blob`)).body.error.code).toBe(
      'unknown-blob',
    );
  });

  it('stores JSON data as a blob, and refuses a multipart upload without a file', async () => {
    const json = await api.request<BlobView>('buyer', '/api/v1/data', {
      method: 'POST',
      body: JSON.stringify({ value: { b: 1, a: [true, null] } }),
    });
    expect(json.status).toBe(201);
    expect(json.body.contentType).toBe('application/json');
    const back = await api.fetch('buyer', `/api/v1/data/${json.body.id}/blob`);
    expect(await back.json()).toEqual({ a: [true, null], b: 1 });

    const form = new FormData();
    form.append('name', 'nothing here');
    const missing = await api.fetch('buyer', '/api/v1/data', { method: 'POST', body: form });
    expect(missing.status).toBe(400);
    const malformed = await api.fetch('buyer', '/api/v1/data', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: 'not multipart at all',
    });
    expect(malformed.status).toBe(400);
  });

  it('delivers an unpinned message to the other participants without touching the chain, once per id', async () => {
    const before = await blockNumber();
    const id = randomUUID();
    const message = { id, processId, pinned: false, data: { note: 'invoice attached', total: 700 } };
    const sent = await api.sendMessage<{ id: string; deliveredTo: string[] }>('buyer', message);
    expect(sent.status).toBe(200);
    expect(sent.body.id).toBe(id);
    expect([...sent.body.deliveredTo].sort()).toEqual(['bank', 'seller']);
    const again = await api.sendMessage<{ id: string }>('buyer', message);
    expect(again.status).toBe(200);

    for (const member of ['buyer', 'seller', 'bank'] as const) {
      const notes = (await api.request<Note[]>(member, `/api/v1/messages?processId=${processId}`)).body;
      const mine = notes.filter((n) => n.id === id);
      expect(mine.map((n) => [n.author, [...n.recipients].sort(), n.data])).toEqual([
        ['buyer', ['bank', 'seller'], message.data],
      ]);
    }
    for (const member of ['seller', 'bank'] as const) {
      const received = (await events(member, processId)).filter((e) => e.type === 'message-received');
      expect(received.map((e) => [e.reference, e.data?.id, e.data?.author])).toEqual([[processId, id, 'buyer']]);
    }
    expect((await events('buyer', processId)).filter((e) => e.type === 'message-sent')).toHaveLength(1);
    await sleep(1_000); // a pin would have been mined by now
    expect(await blockNumber()).toBe(before);
  });

  it('refuses messages to non-participants, pinned messages and unknown processes', async () => {
    const outsider = await api.sendMessage<ErrorBody>('buyer', {
      processId,
      pinned: false,
      data: 1,
      to: ['seller', 'mallory'],
    });
    expect(outsider.status).toBe(400);
    expect(outsider.body.error.code).toBe('not-a-participant');
    const pinned = await api.sendMessage<ErrorBody>('buyer', { processId, pinned: true, data: 1 });
    expect(pinned.status).toBe(400);
    expect(pinned.body.error.code).toBe('not-supported');
    const unknown = await api.sendMessage<ErrorBody>('buyer', { processId: randomUUID(), pinned: false, data: 1 });
    expect(unknown.status).toBe(404);
    const extra = await api.sendMessage<ErrorBody>('buyer', { processId, pinned: false, data: 1, sneaky: true });
    expect(extra.status).toBe(400);
  });

  it('refuses pushed blobs whose bytes do not match their hash, and unsigned pushes', async () => {
    const bytes = randomBytes(1000);
    const meta: BlobMeta = {
      id: randomUUID(),
      hash: hashBlob(randomBytes(1000)),
      size: bytes.length,
      contentType: 'application/octet-stream',
      name: 'x.bin',
    };
    const push = (headers: Record<string, string>) =>
      api.fetch('seller', `${BLOBS_PATH}/${meta.hash}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/octet-stream',
          [BLOB_ID_HEADER]: meta.id,
          [BLOB_TYPE_HEADER]: meta.contentType,
          [BLOB_NAME_HEADER]: meta.name,
          ...headers,
        },
        body: bytes,
      });
    const buyer = new Wallet(DEV_ACCOUNTS[1].privateKey);
    const wrong = await push(signRequest(buyer, 'buyer', blobSigningText(meta)));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as ErrorBody).error.code).toBe('blob-hash-mismatch');
    const unsigned = await push({});
    expect(unsigned.status).toBe(401);
  });
});
