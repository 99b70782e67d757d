/**
 * A process type's input, declared once as named fields: the JSON schema the
 * API shows, the check the gateway runs and the TypeScript type the
 * activities read all come from that one declaration.
 */

/** One field of an input: how the API documents it, which values it takes, what a refusal says. */
export interface InputField<T> {
  readonly schema: Record<string, unknown>;
  /** The problem with a refused value reads "input.<name> must be <mustBe>". */
  readonly mustBe: string;
  accepts(value: unknown): value is T;
  /** The field may be left out; a value that is there must still be accepted. */
  readonly optional?: boolean;
}

/** A process type's input: its schema for the API, its problems for the gateway, its type for the activities. */
export interface ProcessInput<T> {
  /** JSON schema of the input, as GET /api/v1/process-types shows it. */
  readonly schema: Record<string, unknown>;
  /** Human-readable problems with `input`; empty when it is valid. */
  problems(input: unknown): string[];
  /** True when `input` has no problems. */
  accepts(input: unknown): input is T;
}

type Fields = Record<string, InputField<unknown>>;
type ValueOf<F> = F extends InputField<infer T> ? T : never;
type OptionalKeys<F extends Fields> = { [K in keyof F]: F[K] extends { optional: true } ? K : never }[keyof F];

/** The TypeScript type of an input with these fields. */
export type InputOf<F extends Fields> = { [K in Exclude<keyof F, OptionalKeys<F>>]: ValueOf<F[K]> } & {
  [K in OptionalKeys<F>]?: ValueOf<F[K]>;
};

/** The type of the input a ProcessInput accepts. */
export type InputType<P> = P extends ProcessInput<infer T> ? T : never;

/** An object input of exactly these fields, in this order (for its problems and its schema). */
export function processInput<F extends Fields>(fields: F): ProcessInput<InputOf<F>> {
  const names = Object.keys(fields);
  const problems = (input: unknown): string[] => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return ['input must be an object'];
    const given = input as Record<string, unknown>;
    const found: string[] = [];
    for (const name of names) {
      const field = fields[name];
      const value = given[name];
      if (!(value === undefined && field.optional) && !field.accepts(value))
        found.push(`input.${name} must be ${field.mustBe}`);
    }
    for (const key of Object.keys(given)) if (!names.includes(key)) found.push(`input.${key} is not a known field`);
    return found;
  };
  return {
    schema: {
      type: 'object',
      required: names.filter((name) => !fields[name].optional),
      additionalProperties: false,
      properties: Object.fromEntries(names.map((name) => [name, fields[name].schema])),
    },
    problems,
    accepts: (input): input is InputOf<F> => problems(input).length === 0,
  };
}

/** The field may be left out. */
export function optional<T>(field: InputField<T>): InputField<T> & { optional: true } {
  return { ...field, optional: true };
}

/** A string of 1 to `maxLength` characters. */
export function nonEmptyText(maxLength: number): InputField<string> {
  return {
    schema: { type: 'string', minLength: 1, maxLength },
    mustBe: `a non-empty string of at most ${maxLength} characters`,
    accepts: (v): v is string => typeof v === 'string' && v.length > 0 && v.length <= maxLength,
  };
}

/** A whole number from 1. */
export function positiveInteger(): InputField<number> {
  return {
    schema: { type: 'integer', minimum: 1 },
    mustBe: 'an integer greater than 0',
    accepts: (v): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0,
  };
}

/** A finite number above 0, and up to `maximum` when there is one. */
export function positiveNumber(
  options: { maximum?: number; mustBe?: string; description?: string } = {},
): InputField<number> {
  const { maximum, description } = options;
  return {
    schema: {
      type: 'number',
      exclusiveMinimum: 0,
      ...(maximum === undefined ? {} : { maximum }),
      ...(description === undefined ? {} : { description }),
    },
    mustBe: options.mustBe ?? `a number greater than 0${maximum === undefined ? '' : ` and at most ${maximum}`}`,
    accepts: (v): v is number =>
      typeof v === 'number' && Number.isFinite(v) && v > 0 && (maximum === undefined || v <= maximum),
  };
}

/** A date and time that Date.parse reads (ISO 8601). */
export function dateTime(description: string): InputField<string> {
  return {
    schema: { type: 'string', format: 'date-time', description },
    mustBe: 'a date-time',
    accepts: (v): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  };
}

/** A reference to a blob stored with POST /api/v1/data, in the one form the members look for blobs in. */
export interface BlobRefInput {
  blob: { id: string; hash: string };
}

const HASH = /^0x[0-9a-f]{64}$/;

/** A document travelling with the process: `{ "blob": { "id", "hash" } }` and nothing more. */
export function blobRef(description: string): InputField<BlobRefInput> {
  return {
    schema: {
      type: 'object',
      description,
      required: ['blob'],
      additionalProperties: false,
      properties: {
        blob: {
          type: 'object',
          required: ['id', 'hash'],
          additionalProperties: false,
          properties: { id: { type: 'string' }, hash: { type: 'string', pattern: HASH.source } },
        },
      },
    },
    mustBe: '{ "blob": { "id": ..., "hash": "0x..." } } (a blob from POST /api/v1/data)',
    accepts: isBlobRef,
  };
}

function isBlobRef(value: unknown): value is BlobRefInput {
  const blob = (value as { blob?: { id?: unknown; hash?: unknown } } | null)?.blob;
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof blob === 'object' &&
    blob !== null &&
    Object.keys(blob).length === 2 &&
    typeof blob.id === 'string' &&
    typeof blob.hash === 'string' &&
    HASH.test(blob.hash)
  );
}
