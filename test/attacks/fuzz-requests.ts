import fc from 'fast-check';
import { bearer, jwt, READER, WRITER, type TwoMember, type TwoMemberNetwork } from '../e2e/two-member-network.js';

/**
 * Generated requests for the handler-level fuzzing of fuzz.ts: any route of
 * a gateway, with path parameters, query strings, credentials, headers and
 * bodies near what each handler reads, and far from it.
 *
 * Nothing generated names a host but loopback: a webhook subscription the
 * fuzzer creates points at a closed loopback port or is refused.
 */
export const NS = 'default';
const DEAD_HOOK = 'http://127.0.0.1:9/hook';

const alicePortal = (scope: string) =>
  jwt({ sub: 'fuzzer', iss: 'alice-idp', scope, exp: Math.floor(Date.now() / 1000) + 3600 });

/** Printable Latin-1: what a header value may carry through fetch (a ByteString without CR or LF). */
const headerText = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'x').toString('base64url');

/** Credentials that pass at each member: alice has keys, a reader and a JWT issuer; bob has one key. */
const VALID: Record<TwoMember, { write: Record<string, string>[]; read: Record<string, string>[] }> = {
  alice: {
    write: [bearer(WRITER.alice), bearer(alicePortal('read write')), { 'x-api-key': WRITER.alice }],
    read: [bearer(READER), bearer(alicePortal('read'))],
  },
  bob: { write: [bearer(WRITER.bob)], read: [{ authorization: `Basic ${btoa(`app:${WRITER.bob}`)}` }] },
};

/** Credentials, valid and not: API keys, JWTs whose parts are any JSON, Basic, X-API-Key, garbage. */
const credentials: fc.Arbitrary<(member: TwoMember) => Record<string, string>> = fc.oneof(
  // Mostly credentials that pass, so that requests reach the handlers.
  { weight: 6, arbitrary: fc.nat(9).map((i) => (m: TwoMember) => VALID[m].write[i % VALID[m].write.length]) },
  { weight: 2, arbitrary: fc.nat(9).map((i) => (m: TwoMember) => VALID[m].read[i % VALID[m].read.length]) },
  fc
    .oneof(
      fc.constant({}),
      headerText.map((t) => ({ authorization: `Bearer ${t}` })),
      fc.tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), headerText).map(([h, c, t]) => ({
        authorization: `Bearer ${b64url(h)}.${b64url(c)}.${Buffer.from(t).toString('base64url')}`,
      })),
      fc.constantFrom('bnVsbA.e30.x', 'W10.W10.', '..', 'e30.e30.e30').map((t) => ({ authorization: `Bearer ${t}` })),
      headerText.map((t) => ({ authorization: `Basic ${Buffer.from(t, 'latin1').toString('base64')}` })),
      headerText.map((t) => ({ authorization: t })),
      headerText.map((t) => ({ 'x-api-key': t })),
    )
    .map((headers) => () => headers),
);

/** Stands for the id of a process both members hold (started before the fuzzing), in paths and bodies. */
export const PROCESS = '{process}';

/** Path parameters: ids that exist, ids that do not, and what a path should not hold. */
const segment = fc.oneof(
  fc.constant(PROCESS),
  fc.uuid(),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '..', '%2e%2e', 'deadletters', '0x' + 'a'.repeat(64), 'a'.repeat(300)),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
);
const step = fc.oneof(fc.constantFrom('approve-credit', 'ship', 'pay', 'inspect'), segment);

interface Route {
  method: string;
  path: string;
  /** The body fields its handler reads (a body keeps only these, mostly). */
  fields?: string[];
}
const at = (method: string, path: string, fields?: string[]): Route => ({ method, path, fields });
const SUBSCRIPTION = ['name', 'transport', 'filter', 'options'];
const route: fc.Arbitrary<Route> = fc.oneof(
  fc.constant(at('POST', '/api/v1/processes', ['type', 'input', 'participants'])),
  fc.constantFrom(at('GET', '/api/v1/processes'), at('GET', '/api/v1/process-types')),
  segment.map((id) => at('GET', `/api/v1/processes/${id}`)),
  fc
    .tuple(segment, step)
    .map(([id, s]) => at('POST', `/api/v1/processes/${id}/steps/${s}/decision`, ['approve', 'comment'])),
  segment.map((id) => at('POST', `/api/v1/processes/${id}/cancel`, ['reason'])),
  segment.map((id) => at('POST', `/api/v1/processes/${id}/retry`, [])),
  fc.constantFrom(NS, 'other', '%').map((ns) => at('GET', `/api/v1/namespaces/${ns}/events`)),
  fc.constantFrom('POST', 'PUT', 'GET').map((m) => at(m, `/api/v1/namespaces/${NS}/subscriptions`, SUBSCRIPTION)),
  fc
    .tuple(fc.constantFrom('GET', 'DELETE'), segment)
    .map(([m, id]) => at(m, `/api/v1/namespaces/${NS}/subscriptions/${id}`)),
  fc
    .tuple(fc.constantFrom('events', 'deadletters'), segment)
    .map(([what, id]) => at('GET', `/api/v1/namespaces/${NS}/subscriptions/${id}/${what}`)),
  fc.constant(at('POST', '/api/v1/data', ['value', 'name', 'processId'])),
  fc.tuple(segment, fc.constantFrom('', '/blob')).map(([id, blob]) => at('GET', `/api/v1/data/${id}${blob}`)),
  fc.constantFrom(
    at('POST', '/api/v1/messages', ['id', 'processId', 'pinned', 'data', 'to']),
    at('GET', '/api/v1/messages'),
  ),
  fc.constantFrom(
    at('POST', '/api/v1/network/messages', ['id', 'kind', 'processId', 'author', 'participants', 'input']),
    at('POST', '/api/v1/network/data-requests', ['contexts']),
    at('POST', '/api/v1/network/data-requests/blob', ['context', 'hash']),
    at('POST', '/api/v1/network/private-messages', ['id', 'processId', 'data', 'author']),
  ),
  segment.map((hash) => at('POST', `/api/v1/network/blobs/${hash}`)),
  fc
    .constantFrom(
      '/api/v1/status',
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/openapi.json',
      '/api/v1/network/members',
      '/',
    )
    .map((path) => at('GET', path)),
  segment.map((file) => at('GET', `/dashboard/${file}`)),
  fc
    .tuple(fc.constantFrom('PATCH', 'HEAD', 'OPTIONS', 'DELETE'), fc.constantFrom('/api/v1/processes', '/api/v1/data'))
    .map(([m, path]) => at(m, path)),
);

/** Values near what a DTO wants, and anything else. */
const near = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
const subscriptionName = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{1,8}$/).map((s) => `fuzz-${s}`),
  fc.string({ maxLength: 70 }),
);
const dtoShaped = fc.record(
  {
    type: near(fc.constantFrom('trade-settlement', 'loan-syndication', 'Trade', 'a'.repeat(101))),
    input: near(
      fc.record({ item: near(fc.constant('steel')), quantity: near(fc.integer()), amount: near(fc.integer()) }),
    ),
    participants: near(fc.constantFrom({ buyer: 'alice', seller: 'bob', bank: 'alice' }, { buyer: 'mallory' })),
    approve: near(fc.boolean()),
    reason: near(fc.string()),
    comment: near(fc.string()),
    value: fc.jsonValue({ maxDepth: 3 }),
    name: near(fc.oneof(subscriptionName, fc.constantFrom('日本語.json', '\u0000', '../../etc/passwd', '\ud800.txt'))),
    processId: near(fc.oneof(fc.constant(PROCESS), fc.uuid())),
    author: near(fc.constantFrom('alice', 'bob', 'mallory')),
    pinned: near(fc.boolean()),
    data: fc.jsonValue({ maxDepth: 3 }),
    to: near(fc.array(fc.constantFrom('alice', 'bob', 'mallory', ''), { maxLength: 3 })),
    transport: near(fc.constantFrom('websockets', 'webhooks')),
    filter: near(
      fc.dictionary(
        fc.constantFrom('events', 'topic', 'reference', 'author'),
        near(fc.constantFrom('^process-', '(', '.*', '[')),
      ),
    ),
    options: near(
      fc.record(
        {
          url: fc.constantFrom(DEAD_HOOK, 'ftp://127.0.0.1/', 'not a url'),
          firstEvent: near(fc.constantFrom('oldest', 'newest', '3')),
          readAhead: near(fc.integer({ min: -1, max: 2000 })),
          retry: near(fc.record({ count: near(fc.integer()), initialDelay: near(fc.constantFrom('10ms', 'x')) })),
        },
        { requiredKeys: [] },
      ),
    ),
    contexts: near(fc.array(fc.constantFrom('0x' + '1'.repeat(64), 'x'), { maxLength: 3 })),
    context: near(fc.constant('0x' + '2'.repeat(64))),
    hash: near(fc.constant('0x' + '3'.repeat(64))),
    kind: near(fc.constantFrom('process-started', 'step-completed')),
    id: near(fc.uuid()),
  },
  { requiredKeys: [] },
);
const deepJson = fc.integer({ min: 65, max: 5_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n));
/** A body: DTO-shaped (an object, cut to the route's fields when `cut`), any JSON, any text or bytes, or too deep. */
type Body = { dto: Record<string, unknown>; cut: boolean } | string | Uint8Array | undefined;
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant(undefined),
  { weight: 4, arbitrary: fc.record({ dto: dtoShaped, cut: fc.nat(4).map((n) => n > 0) }) },
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }),
  deepJson,
);
const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/json') },
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'application/problem+json',
    'text/plain',
    'multipart/form-data',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    'application/octet-stream',
  ),
  headerText,
);
/** Member-to-member signature headers, blob metadata and the other headers handlers read. */
const otherHeaders = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  fc.record(
    {
      'x-baton-member': fc.oneof(fc.constantFrom('alice', 'bob'), headerText),
      'x-baton-timestamp': fc.oneof(fc.constant(String(Date.now())), headerText),
      'x-baton-signature': fc.oneof(fc.constant('0x' + 'ab'.repeat(64)), headerText),
      'x-baton-public-key': fc.oneof(fc.constant('0x04' + 'cd'.repeat(64)), headerText),
      'x-baton-blob-id': fc.oneof(fc.uuid(), headerText),
      'x-baton-blob-name': fc.oneof(fc.constantFrom('%E6%97%A5.txt', '%E0%A4%A', '%'), headerText),
      'x-baton-blob-type': headerText,
      'idempotency-key': headerText,
      'content-encoding': fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x'),
    },
    { requiredKeys: [] },
  ),
);
const query = fc.dictionary(
  fc.constantFrom(
    'limit',
    'skip',
    'after',
    'offset',
    'status',
    'type',
    'reference',
    'name',
    'transport',
    'confirm',
    'timeout',
    'processId',
  ),
  fc.oneof(fc.string({ maxLength: 10 }), fc.integer().map(String), fc.constantFrom('0', '1001', '-1', '1e3', 'true')),
  { maxKeys: 3 },
);

export interface Shot {
  member: TwoMember;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

function bodyText(b: Body, fields: string[] | undefined): string | Uint8Array | undefined {
  if (b === undefined || typeof b === 'string' || b instanceof Uint8Array) return b;
  const kept = b.cut && fields ? Object.entries(b.dto).filter(([k]) => fields.includes(k)) : Object.entries(b.dto);
  return JSON.stringify(Object.fromEntries(kept));
}

export const shot: fc.Arbitrary<Shot> = fc
  .record({
    member: fc.constantFrom<TwoMember>('alice', 'alice', 'bob'),
    route,
    query,
    credentials,
    contentType: fc.option(contentType, { nil: undefined, freq: 8 }),
    otherHeaders,
    body,
  })
  .map(({ member, route: r, query: q, credentials: auth, contentType: type, otherHeaders: more, body: b }) => {
    const qs = new URLSearchParams(q).toString();
    const headers = { ...more, ...auth(member), ...(type === undefined ? {} : { 'content-type': type }) };
    const text = r.method === 'GET' || r.method === 'HEAD' ? undefined : bodyText(b, r.fields);
    return { member, method: r.method, path: qs ? `${r.path}?${qs}` : r.path, headers, body: text };
  })
  // Loopback only: no generated text may name another host for a webhook.
  .filter((s) => !/https?:\/\/(?!127\.0\.0\.1[:/])/i.test(typeof s.body === 'string' ? s.body : ''));

export async function fire(
  network: TwoMemberNetwork,
  s: Shot,
  processId: string,
): Promise<{ status: number; text: string; type: string }> {
  const real = (text: string) => text.replaceAll(PROCESS, processId);
  const res = await fetch(`${network.gateway(s.member)}${real(s.path)}`, {
    method: s.method,
    headers: s.headers,
    body: typeof s.body === 'string' ? real(s.body) : s.body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
}
