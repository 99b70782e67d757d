import { FINAL_STATUSES, type ProcessView } from '../../shared/api/process-view.js';
import type { Command, Context } from '../command.js';
import { EventSocket } from '../events.js';
import { expectPositionals } from '../parse-args.js';
import { ProgressDisplay } from '../progress.js';

/** Without events (a dropped frame, a quiet gateway) the view is still re-read this often. */
const REFRESH_MS = 5_000;

/** 0 for completed or compensated, 2 for failed. */
export function exitCodeFor(status: string): number {
  return status === 'failed' ? 2 : 0;
}

/**
 * Follows a process until it is final: subscribes to its events on `/ws`
 * from the oldest, and re-reads the full view on every event (events carry
 * only what changed; the view has every step and pin).
 */
export async function follow(ctx: Context, id: string): Promise<number> {
  const display = new ProgressDisplay(ctx.io, ctx.json);
  const read = () => ctx.gateway.get<ProcessView>(`/api/v1/processes/${encodeURIComponent(id)}`);
  const first = await read();
  display.show(first);
  if (FINAL_STATUSES.includes(first.status)) return exitCodeFor(first.status);

  let resolveDone!: (code: number) => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<number>((resolve, reject) => ((resolveDone = resolve), (rejectDone = reject)));
  let queue = Promise.resolve();
  let finished = false;
  // Refreshes run one at a time, in order, so the display never goes back to an older view.
  const refresh = () => {
    queue = queue
      .then(async () => {
        if (finished) return;
        const view = await read();
        display.show(view);
        if (FINAL_STATUSES.includes(view.status)) {
          finished = true;
          resolveDone(exitCodeFor(view.status));
        }
      })
      .catch(rejectDone);
  };
  const socket = await EventSocket.open(
    ctx.gateway,
    { filter: { reference: `^${id}$` }, firstEvent: 'oldest' },
    refresh,
  );
  const timer = setInterval(refresh, REFRESH_MS);
  socket.closed.catch(rejectDone);
  try {
    return await done;
  } finally {
    finished = true;
    clearInterval(timer);
    socket.close();
  }
}

export const watchCommand: Command = {
  name: 'watch',
  summary: 'follow a process live until it is completed, compensated or failed',
  usage: 'watch <processId>',
  options: {},
  notes: [
    'Shows a line per step: the member that owns it (and its role), its status and the ledger pin of its',
    'outcome. On a terminal the lines are redrawn in place; piped, only changed lines are printed.',
    'With --json, one line of JSON (the full process view) per change.',
    'Exit code 0 when the process completes or is compensated, 2 when it fails, 1 on errors.',
  ].join('\n'),
  async run(ctx) {
    const [id] = expectPositionals(ctx.args, ['processId']);
    return follow(ctx, id);
  },
};
