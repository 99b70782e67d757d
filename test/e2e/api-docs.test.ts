import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normaliseApiDocument } from '../../apps/gateway/common/api-docs.js';
import { projectPath } from '../../apps/shared/paths.js';
import { Api } from './api.js';
import { MEMBERS } from './network-process.js';
import { E2E_PORTS } from './ports.js';

const api = new Api(E2E_PORTS);

const REGENERATE =
  'the committed API docs are out of date; with the code built and a network running (npm start), regenerate them:\n' +
  '  npx tsc -p tsconfig.build.json && node dist/scripts/export-api-docs.js http://127.0.0.1:3001';

interface OpenApi {
  paths: Record<string, Record<string, { summary?: string; parameters?: { in: string; name: string }[] }>>;
}
interface AsyncApi {
  components: { schemas: { EventType: { enum: string[] } } };
}

const committed = (name: string): unknown => JSON.parse(readFileSync(projectPath('docs', 'api', name), 'utf8'));

async function served<T>(path: string): Promise<T> {
  const res = await api.fetch('buyer', path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

describe('API documents', () => {
  it.each(['openapi.json', 'asyncapi.json'])('/api/%s equals the committed file in docs/api', async (name) => {
    const doc = normaliseApiDocument(await served(`/api/${name}`));
    expect(doc, REGENERATE).toEqual(committed(name));
  });

  it('gives every operation a summary', async () => {
    const doc = await served<OpenApi>('/api/openapi.json');
    const missing = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => (op.summary ? [] : [`${method.toUpperCase()} ${path}`])),
    );
    expect(missing).toEqual([]);
  });

  it('routes every GET the OpenAPI lists to a handler (no router 404)', async () => {
    const doc = await served<OpenApi>('/api/openapi.json');
    const gets = Object.entries(doc.paths).filter(([, ops]) => ops.get);
    expect(gets.length).toBeGreaterThan(5);
    for (const [path] of gets) {
      const url = path.replace(/\{[^}]+\}/g, randomUUID());
      const res = await api.fetch('buyer', url);
      const text = await res.text();
      if (res.status === 404 || res.status === 400) {
        const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
        expect(typeof body.error?.code, `${url}: ${text}`).toBe('string');
        expect(String(body.error?.message), `${url} is not routed`).not.toMatch(/^Cannot GET/);
      } else expect(res.status, `${url}: ${text}`).toBeLessThan(400);
    }
  });

  it('lists every event type the network produced in a trade-settlement', async () => {
    const started = await api.startTrade(500);
    await api.settled(started.id, ['completed', 'compensated', 'failed']);
    const listed = new Set((await served<AsyncApi>('/api/asyncapi.json')).components.schemas.EventType.enum);
    const produced = new Set<string>();
    for (const member of MEMBERS) {
      for (let after = 0; ;) {
        const { body } = await api.request<{ sequence: number; type: string }[]>(
          member,
          `/api/v1/namespaces/default/events?limit=1000&after=${after}`,
        );
        for (const e of body) produced.add(e.type);
        if (body.length < 1000) break;
        after = body[body.length - 1].sequence;
      }
    }
    expect(produced).toContain('batch-pinned');
    expect(produced).toContain('process-completed');
    expect([...produced].filter((t) => !listed.has(t))).toEqual([]);
  });
});
