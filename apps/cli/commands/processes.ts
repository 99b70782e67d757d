import type { ProcessList, ProcessView } from '../../shared/api/process-view.js';
import { printJson, type Command } from '../command.js';
import { expectPositionals, integerOption, stringOption } from '../parse-args.js';
import { processDetails, processTable } from '../render.js';

export const listCommand: Command = {
  name: 'list',
  summary: 'processes this member takes part in, newest first',
  usage: 'list [--type T] [--status S] [--limit N]',
  options: {
    type: { type: 'string', value: 'T', description: 'only processes of this type, e.g. trade-settlement' },
    status: {
      type: 'string',
      value: 'S',
      description: 'only processes in this status: running, completed, compensating, compensated, failed',
    },
    limit: { type: 'string', value: 'N', description: 'at most N processes (1 to 500, default 50)' },
  },
  async run(ctx) {
    expectPositionals(ctx.args, []);
    const limit = stringOption(ctx.args, 'limit');
    const list = await ctx.gateway.get<ProcessList>('/api/v1/processes', {
      type: stringOption(ctx.args, 'type'),
      status: stringOption(ctx.args, 'status'),
      limit: limit === undefined ? undefined : integerOption(limit, 'limit'),
    });
    if (ctx.json) printJson(ctx.io, list);
    else if (list.items.length === 0) ctx.io.out('no processes');
    else {
      ctx.io.out(processTable(list.items));
      if (list.total > list.items.length) ctx.io.out(`(${list.items.length} of ${list.total}; see --limit)`);
    }
    return 0;
  },
};

export const getCommand: Command = {
  name: 'get',
  summary: 'a process as this member sees it: steps, pins, reason, digest, Temporal UI link',
  usage: 'get <processId>',
  options: {},
  async run(ctx) {
    const [id] = expectPositionals(ctx.args, ['processId']);
    const view = await ctx.gateway.get<ProcessView>(`/api/v1/processes/${encodeURIComponent(id)}`);
    if (ctx.json) printJson(ctx.io, view);
    else ctx.io.out(processDetails(view));
    return 0;
  },
};
