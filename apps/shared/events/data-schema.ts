/**
 * The part of JSON Schema that describes an event's `data`, and the
 * TypeScript type a schema describes: a data shape is written once, as the
 * schema the AsyncAPI document serves, and producers are type-checked
 * against it.
 *
 * @example
 *   const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] } as const;
 *   type Data = DataOf<typeof schema>; // { n: number }
 */
export type DataSchema =
  | {
      readonly type: 'string';
      readonly enum?: readonly string[];
      readonly format?: string;
      readonly description?: string;
    }
  | { readonly type: 'integer' | 'number' | 'boolean'; readonly description?: string }
  | { readonly type: 'array'; readonly items: DataSchema; readonly description?: string }
  | ObjectSchema;

export interface ObjectSchema {
  readonly type: 'object';
  readonly description?: string;
  readonly properties: Readonly<Record<string, DataSchema>>;
  readonly required?: readonly string[];
}

/** The value a schema describes; an object's properties are optional unless `required`. */
export type DataOf<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { type: 'string' }
    ? string
    : S extends { type: 'integer' | 'number' }
      ? number
      : S extends { type: 'boolean' }
        ? boolean
        : S extends { type: 'array'; items: infer I }
          ? DataOf<I>[]
          : S extends ObjectSchema
            ? ObjectOf<S['properties'], S extends { required: readonly (infer R)[] } ? R : never>
            : never;

type ObjectOf<P, Required> = Flat<
  { [K in keyof P & Required]: DataOf<P[K]> } & { [K in Exclude<keyof P, Required>]?: DataOf<P[K]> }
>;

/** One object type rather than an intersection, for readable hovers and errors. */
type Flat<T> = { [K in keyof T]: T[K] };
