import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../shared/paths.js';
import { buildAsyncApiDocument } from './asyncapi.js';

describe('the AsyncAPI document', () => {
  // test/e2e/api-docs.test.ts compares what a running gateway serves; this catches a drift without a network.
  it('equals the committed docs/api/asyncapi.json', () => {
    const committed: unknown = JSON.parse(readFileSync(projectPath('docs', 'api', 'asyncapi.json'), 'utf8'));
    expect(JSON.parse(JSON.stringify(buildAsyncApiDocument()))).toEqual(committed);
  });
});
