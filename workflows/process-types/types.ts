/**
 * Process type definitions: plain data plus a pure input validator, so the
 * same module runs inside the workflow sandbox, the worker and the gateway.
 */
export interface StepDefinition {
  /** Stable name, unique within the process type (used in URLs and pins). */
  name: string;
  /** The role that performs the step; the member playing it runs `action`. */
  owner: string;
  /** Activity name the owning member implements for this process type. */
  action: string;
  /** Activity that undoes `action`; a step without one has nothing to undo. */
  compensation?: string;
  description: string;
}

export interface ProcessTypeDefinition {
  name: string;
  description: string;
  roles: readonly string[];
  steps: readonly StepDefinition[];
  /** JSON-schema-like description of the input, for the API and docs. */
  inputSchema: Record<string, unknown>;
  /** Returns human-readable problems with `input`; empty when it is valid. */
  validateInput(input: unknown): string[];
}
