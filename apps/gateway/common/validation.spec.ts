import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROCESS_TYPES } from '../../../workflows/process-types/index.js';
import { UploadDataDto } from '../data/dto/upload-data.dto.js';
import { ListEventsDto } from '../events/dto/list-events.dto.js';
import { DeadLettersDto } from '../events/subscriptions/dto/dead-letters.dto.js';
import { ListSubscriptionsDto } from '../events/subscriptions/dto/list-subscriptions.dto.js';
import { SubscriptionHistoryDto } from '../events/subscriptions/dto/subscription-history.dto.js';
import { SendMessageDto, ListMessagesDto } from '../messages/dto/send-message.dto.js';
import { CancelProcessDto } from '../processes/dto/cancel-process.dto.js';
import { DecideStepDto } from '../processes/dto/decide-step.dto.js';
import { ListProcessesDto } from '../processes/dto/list-processes.dto.js';
import { StartProcessQueryDto } from '../processes/dto/start-process-query.dto.js';
import { StartProcessDto } from '../processes/dto/start-process.dto.js';
import { MAX_JSON_DEPTH } from './json-depth.js';
import { validationPipe } from './validation.js';

/**
 * Property-based checks of the REST validation: whatever JSON a client sends,
 * the pipe either hands the controller a well-typed DTO or answers a 400 with
 * the failed constraints; it never throws anything else (which would be a 500).
 */
const pipe = validationPipe();

const BODIES: [ArgumentMetadata['type'], new () => object][] = [
  ['body', StartProcessDto],
  ['body', DecideStepDto],
  ['body', CancelProcessDto],
  ['body', SendMessageDto],
  ['body', UploadDataDto],
  ['query', ListProcessesDto],
  ['query', StartProcessQueryDto],
  ['query', ListEventsDto],
  ['query', ListMessagesDto],
  ['query', ListSubscriptionsDto],
  ['query', SubscriptionHistoryDto],
  ['query', DeadLettersDto],
];

/** Objects with the DTOs' own property names among random ones, holding any JSON. */
const fields = [
  ...['type', 'input', 'participants', 'approve', 'comment', 'reason', 'status', 'limit', 'offset'],
  ...['value', 'name', 'processId', 'pinned', 'data', 'to'],
];
const jsonBody = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string()), fc.jsonValue()),
  fc.record(
    { type: fc.oneof(fc.string(), fc.constantFrom('trade-settlement', 'a'.repeat(101))), input: fc.jsonValue() },
    { requiredKeys: [] },
  ),
);
/** Query strings arrive as strings (or arrays of them for repeated keys). */
const queryObject = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      ...['type', 'status', 'limit', 'offset', 'after', 'reference', 'confirm', 'timeoutMs'],
      ...['name', 'transport', 'skip', 'processId'],
    ),
    fc.string(),
  ),
  fc.oneof(fc.string(), fc.integer().map(String), fc.array(fc.string(), { maxLength: 3 })),
);

async function outcome(type: ArgumentMetadata['type'], metatype: new () => object, value: unknown) {
  try {
    const result: unknown = await pipe.transform(value, { type, metatype, data: '' });
    return { ok: true as const, result };
  } catch (err) {
    return { ok: false as const, err };
  }
}

describe('REST validation under random input (fast-check)', () => {
  for (const [type, metatype] of BODIES) {
    it(`${metatype.name}: a DTO or a 400 listing the problems, never anything else`, async () => {
      await fc.assert(
        fc.asyncProperty(type === 'query' ? queryObject : jsonBody, async (value) => {
          const o = await outcome(type, metatype, value);
          if (o.ok) expect(o.result).toBeInstanceOf(metatype);
          else {
            expect(o.err).toBeInstanceOf(BadRequestException);
            const message = ((o.err as BadRequestException).getResponse() as { message: unknown }).message;
            expect(Array.isArray(message) ? message.length : String(message).length).toBeGreaterThan(0);
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('validates any body the JSON depth limit lets through without overflowing the stack', async () => {
    // Deeper bodies never get here (json-depth.ts): 10,000 levels overflowed class-transformer, a 500.
    const deep = (inner: unknown) => {
      let value = inner;
      for (let i = 1; i < MAX_JSON_DEPTH - 1; i++) value = i % 2 ? [value] : { a: value };
      return value;
    };
    for (const [type, metatype] of BODIES.filter(([t]) => t === 'body'))
      for (const body of [{ type: 'trade-settlement', input: deep(1) }, { value: deep('x') }, { data: deep(null) }]) {
        const o = await outcome(type, metatype, body);
        if (!o.ok) expect(o.err).toBeInstanceOf(BadRequestException);
      }
  });

  it('never lets a property the DTO does not declare reach the service', async () => {
    // Undeclared properties are refused; class-transformer drops the few it never copies
    // (`prototype`, `__proto__`), so what reaches the controller is only what the DTO declares.
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1 }).filter((k) => !['type', 'input', 'participants'].includes(k)),
        fc.jsonValue(),
        async (key, value) => {
          const body = JSON.parse(JSON.stringify({ type: 'trade-settlement', input: {}, [key]: value })) as object;
          const o = await outcome('body', StartProcessDto, body);
          const declared = ['input', 'participants', 'type'];
          if (o.ok) for (const k of Object.keys(o.result as object)) expect(declared).toContain(k);
          else expect(o.err).toBeInstanceOf(BadRequestException);
        },
      ),
      {
        numRuns: 300,
        examples: [
          ['prototype', false],
          ['constructor', {}],
          ['extra', 1],
        ],
      },
    );
    expect((await outcome('body', StartProcessDto, { type: 'trade-settlement', input: {}, extra: 1 })).ok).toBe(false);
  });

  it('process types judge any input without throwing, and list a problem for what they refuse', () => {
    for (const processType of Object.values(PROCESS_TYPES))
      fc.assert(
        fc.property(fc.jsonValue(), (input) => {
          const problems = processType.input.problems(input);
          expect(Array.isArray(problems)).toBe(true);
          for (const p of problems) expect(typeof p).toBe('string');
        }),
        { numRuns: 500 },
      );
  });
});
