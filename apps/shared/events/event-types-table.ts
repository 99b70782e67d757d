import { EVENT_DATA, type EventDataName } from './event-data.js';
import { EVENT_PRODUCERS, EVENT_TYPES, EVENT_TYPE_NAMES, type EventProducer } from './event-types.js';

/** An entry as the table reads it, whatever its data shape. */
interface Row {
  producer: EventProducer;
  when: string;
  topic: string;
  data: EventDataName;
  fields?: readonly string[];
  correlator?: string;
}

/**
 * The event-type table of docs/events.md, one row per type of the catalogue
 * (before Prettier aligns it). scripts/event-types-table.ts prints it, and
 * event-types-table.spec.ts checks the guide still shows it.
 */
export function eventTypesTable(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = EVENT_TYPE_NAMES.map((type) => {
    const e: Row = EVENT_TYPES[type];
    const fields = (e.fields ?? Object.keys(EVENT_DATA[e.data].properties)).map((f) => `\`${f}\``).join(', ');
    const data = e.correlator ? `${fields}; \`correlator\` is ${e.correlator}` : fields;
    return `| \`${type}\` | ${cell(`${EVENT_PRODUCERS[e.producer]}, ${e.when}`)} | ${cell(e.topic)} | ${cell(data)} |`;
  });
  return ['| type | written by | topic | data |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
