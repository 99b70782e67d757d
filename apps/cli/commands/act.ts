import type { ProcessView } from '../../shared/api/process-view.js';
import { printJson, type Command } from '../command.js';
import { expectPositionals, stringOption, UsageError } from '../parse-args.js';

interface CancelAnswer {
  outcome: 'accepted' | 'refused' | 'pending';
  reason?: string;
  process: ProcessView;
}

export const cancelCommand: Command = {
  name: 'cancel',
  summary: "ask to cancel a process; prints the ledger's verdict",
  usage: 'cancel <processId> [--reason R]',
  options: { reason: { type: 'string', value: 'R', description: 'why; it becomes the reason of the process' } },
  notes: [
    'Any participant may ask. The ledger decides: accepted before the final step is done, refused after.',
    'When the verdict takes longer than ~10 s the answer is "pending"; `baton watch <id>` shows the outcome.',
  ].join('\n'),
  async run(ctx) {
    const [id] = expectPositionals(ctx.args, ['processId']);
    const reason = stringOption(ctx.args, 'reason');
    const { body } = await ctx.gateway.post<CancelAnswer>(
      `/api/v1/processes/${encodeURIComponent(id)}/cancel`,
      reason === undefined ? {} : { reason },
    );
    if (ctx.json) printJson(ctx.io, body);
    else if (body.outcome === 'pending') ctx.io.out(`cancel requested; the ledger's verdict has not come yet`);
    else ctx.io.out(`cancel ${body.outcome}${body.reason ? `: ${body.reason}` : ''} (process ${body.process.status})`);
    return 0;
  },
};

export const decideCommand: Command = {
  name: 'decide',
  summary: "a person's decision on a decision step this member owns",
  usage: 'decide <processId> <step> --approve|--reject [--comment C]',
  options: {
    approve: { type: 'boolean', description: 'approve the step' },
    reject: { type: 'boolean', description: 'reject the step (the process is rolled back)' },
    comment: { type: 'string', value: 'C', description: 'why; a rejection comment becomes the reason of the process' },
  },
  async run(ctx) {
    const [id, step] = expectPositionals(ctx.args, ['processId', 'step']);
    const approve = ctx.args.options.approve === true;
    if (approve === (ctx.args.options.reject === true))
      throw new UsageError('give exactly one of --approve and --reject');
    const comment = stringOption(ctx.args, 'comment');
    const { body } = await ctx.gateway.post<unknown>(
      `/api/v1/processes/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}/decision`,
      { approve, ...(comment === undefined ? {} : { comment }) },
    );
    if (ctx.json) printJson(ctx.io, body ?? {});
    else ctx.io.out(`${step}: ${approve ? 'approved' : 'rejected'}`);
    return 0;
  },
};
