import { format, resolveConfig } from 'prettier';
import { eventTypesTable } from '../apps/shared/events/event-types-table.js';
import { projectPath } from '../apps/shared/paths.js';

/**
 * Prints the event-type table of docs/events.md from the catalogue
 * (apps/shared/events/event-types.ts), aligned as Prettier keeps the guide.
 * apps/shared/events/event-types-table.spec.ts checks the guide shows it.
 *
 * @example
 *   npx tsc -p tsconfig.build.json && node dist/scripts/event-types-table.js
 */
const guide = projectPath('docs', 'events.md');
process.stdout.write(await format(eventTypesTable(), { ...(await resolveConfig(guide)), parser: 'markdown' }));
