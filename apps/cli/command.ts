import type { Gateway } from './http.js';
import type { OptionSpecs, ParsedArgs } from './parse-args.js';

/** Where a command writes; a TTY gets a progress display redrawn in place. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
}

export interface Context {
  gateway: Gateway;
  json: boolean;
  io: Io;
  args: ParsedArgs;
}

export interface Command {
  name: string;
  /** One line for `baton --help`. */
  summary: string;
  /** The synopsis after `baton `. */
  usage: string;
  /** Paragraphs after the options in `baton <command> --help`. */
  notes?: string;
  options: OptionSpecs;
  /** Resolves to the exit code. */
  run(ctx: Context): Promise<number>;
}

export const DEFAULT_GATEWAY = 'http://127.0.0.1:3001';

/** Options every command takes. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  gateway: {
    type: 'string',
    value: 'URL',
    description: `the member's gateway (default $BATON_GATEWAY or ${DEFAULT_GATEWAY})`,
  },
  'api-key': {
    type: 'string',
    value: 'KEY',
    description: 'an app API key or JWT, when the gateway requires one (default $BATON_API_KEY)',
  },
  json: { type: 'boolean', description: 'machine-readable JSON output' },
  help: { type: 'boolean', description: 'show this help' },
};

/** Writes JSON for machines: one value, pretty unless `line` asks for one line (streams). */
export function printJson(io: Io, value: unknown, line = false): void {
  io.out(line ? JSON.stringify(value) : JSON.stringify(value, null, 2));
}
