import { readFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../paths.js';
import { eventTypesTable } from './event-types-table.js';

describe('the event-type table of docs/events.md', () => {
  it('is the one the catalogue gives', async () => {
    const guide = projectPath('docs', 'events.md');
    const table = await format(eventTypesTable(), { ...(await resolveConfig(guide)), parser: 'markdown' });
    expect(
      readFileSync(guide, 'utf8'),
      'docs/events.md is out of date with apps/shared/events/event-types.ts; regenerate its table:\n' +
        '  npx tsc -p tsconfig.build.json && node dist/scripts/event-types-table.js',
    ).toContain(table);
  });
});
