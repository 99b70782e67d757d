/**
 * The floor: trade-settlement as plain Temporal workflows, one per member in
 * the member's own namespace, running the same step activities as Baton, with
 * no ledger and no data exchange. Each member runs its own steps in order and
 * signals the other members' workflows directly when a step is done.
 */
import { condition, proxyActivities, setHandler, defineSignal } from '@temporalio/workflow';
import { tradeSettlement } from '../../workflows/process-types/trade-settlement.js';
import type { PlainActivities, PlainTradeArgs } from './types.js';

export const stepDoneSignal = defineSignal<[{ index: number }]>('stepDone');

const acts = proxyActivities<PlainActivities>({
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

export async function plainTradeWorkflow(args: PlainTradeArgs): Promise<number> {
  const steps = tradeSettlement.steps;
  let done = 0;
  // A later step's signal may come in the same activation as our own step's
  // completion: every step before a done one is done too.
  setHandler(stepDoneSignal, ({ index }) => {
    done = Math.max(done, index + 1);
  });
  while (done < steps.length) {
    const step = steps[done];
    if (args.participants[step.owner] === args.member) {
      await acts.runStep({
        processId: args.processId,
        processType: tradeSettlement.name,
        step: step.name,
        activity: step.action!,
        input: args.input,
        participants: args.participants,
        member: args.member,
      });
      const index = done;
      await acts.notifyPeers({ processId: args.processId, participants: args.participants, index });
      done = Math.max(done, index + 1);
    } else {
      const waitingFor = done;
      await condition(() => done > waitingFor);
    }
  }
  return done;
}
