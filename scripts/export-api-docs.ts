import { writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';
import { normaliseApiDocument } from '../apps/gateway/common/api-docs.js';
import { projectPath } from '../apps/shared/paths.js';

/**
 * Writes docs/api/openapi.json and docs/api/asyncapi.json from a running
 * gateway (default the buyer of `npm start`), normalised so that any member's
 * gateway gives the same files. test/e2e/api-docs.test.ts checks they match.
 *
 * @example
 *   npm start &   # or any running gateway
 *   npx tsc -p tsconfig.build.json && node dist/scripts/export-api-docs.js http://127.0.0.1:3001
 */
const API_DOCS = { openapi: 'api/openapi.json', asyncapi: 'api/asyncapi.json' } as const;

const gateway = (process.argv[2] ?? process.env.BATON_GATEWAY_URL ?? 'http://127.0.0.1:3001').replace(/\/$/, '');

for (const [name, path] of Object.entries(API_DOCS)) {
  const res = await fetch(`${gateway}/${path}`);
  if (!res.ok) throw new Error(`GET ${gateway}/${path}: ${res.status}`);
  const file = projectPath('docs', path);
  const text = JSON.stringify(normaliseApiDocument(await res.json()), null, 2);
  await writeFile(file, await format(text, { ...(await resolveConfig(file)), filepath: file }));
  console.log(`${name}: ${file}`);
}
