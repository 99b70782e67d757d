import { readFileSync } from 'node:fs';
import type { ProcessView } from '../../shared/api/process-view.js';
import { printJson, type Command } from '../command.js';
import { expectPositionals, jsonOption, stringOption, UsageError } from '../parse-args.js';
import { follow } from './watch.js';

/** JSON given inline, or `@path` to read it from a file. */
function jsonArgument(text: string, name: string): unknown {
  if (!text.startsWith('@')) return jsonOption(text, name);
  try {
    return jsonOption(readFileSync(text.slice(1), 'utf8'), name);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--${name}: cannot read ${text.slice(1)}: ${(err as Error).message}`);
  }
}

export const startCommand: Command = {
  name: 'start',
  summary: 'start a process at this member; prints its id',
  usage: 'start <type> --input JSON [--participants JSON] [--watch]',
  options: {
    input: { type: 'string', value: 'JSON', description: 'the process input (JSON, or @file.json)' },
    participants: {
      type: 'string',
      value: 'JSON',
      description: 'role -> member, e.g. {"buyer":"buyer"}; by default each role is the member of its name',
    },
    watch: { type: 'boolean', description: 'then follow the process like `baton watch`' },
  },
  notes: [
    'Example:',
    `  baton start trade-settlement --input '{"item":"steel","quantity":10,"amount":500}' --watch`,
    'Process types and their inputs: GET /api/v1/process-types at the gateway.',
  ].join('\n'),
  async run(ctx) {
    const [type] = expectPositionals(ctx.args, ['type']);
    const input = stringOption(ctx.args, 'input');
    if (input === undefined) throw new UsageError('--input is required');
    const participants = stringOption(ctx.args, 'participants');
    const body = {
      type,
      input: jsonArgument(input, 'input'),
      ...(participants === undefined ? {} : { participants: jsonArgument(participants, 'participants') }),
    };
    const { body: view } = await ctx.gateway.post<ProcessView>('/api/v1/processes', body);
    if (ctx.json) printJson(ctx.io, view, ctx.args.options.watch === true);
    else ctx.io.out(view.id);
    return ctx.args.options.watch === true ? follow(ctx, view.id) : 0;
  },
};
