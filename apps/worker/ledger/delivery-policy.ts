import type { LedgerDelivery } from '../../../workflows/messages.js';
import {
  applyDelivery,
  initialState,
  nextActions,
  readySteps,
  type ProcessArgs,
  type ProcessState,
  type ProcessStatus,
} from '../../../workflows/process-state.js';
import { stepDeadlineMs, type ProcessTypeDefinition } from '../../../workflows/process-types/index.js';

/*
 * The dispatcher's delivery policy: which pins a member's workflow needs
 * now, and which can wait for the next one that does. It reads the state
 * machine's answers (workflows/process-state.ts) the way the workflow acts
 * on them (workflows/process.workflow.ts): a change there to what the
 * workflow acts on belongs here too.
 */

/** What the member's workflow acts on in the state as it stands. */
interface Agenda {
  /** Its status (a search attribute, and the end of the workflow). */
  status: ProcessStatus;
  /** The failed step it may retry. */
  failedStep?: string;
  /** Its own actions and compensations: each new one is launched. */
  actions: string[];
  /** The steps whose deadlines it watches: each watch starts and ends with them. */
  watched: number[];
}

function agendaOf(state: ProcessState, type: ProcessTypeDefinition): Agenda {
  return {
    status: state.status,
    failedStep: state.failedStep,
    actions: nextActions(state, type).map((a) => `${a.kind} ${a.step.name}`),
    watched: readySteps(state, type).filter((i) => stepDeadlineMs(type.steps[i], state.input) !== undefined),
  };
}

/** True when the workflow does something on `after` that it did not on `before` (an action gone is not: its task runs already). */
function agendaMoved(before: Agenda, after: Agenda): boolean {
  return (
    before.status !== after.status ||
    before.failedStep !== after.failedStep ||
    after.actions.some((a) => !before.actions.includes(a)) ||
    before.watched.join() !== after.watched.join()
  );
}

/**
 * How many of `history` the member's workflow needs now, when it has applied
 * the first `applied`: up to the last delivery that gives it something to do
 * (a status, an action or compensation of its own, a deadline to watch or to
 * stop watching) or refuses a message of this member (whose action it then
 * undoes). The deliveries after that change nothing the workflow does; they
 * can travel with the next one that does. A workflow not started yet
 * (`applied` 0) needs them all: it is started with the whole history.
 */
export function deliveriesNeeded(
  args: ProcessArgs,
  type: ProcessTypeDefinition,
  history: LedgerDelivery[],
  applied: number,
): number {
  if (applied === 0) return history.length;
  const state = initialState(args, type);
  for (const d of history.slice(0, applied)) applyDelivery(state, d, type);
  let needed = applied;
  let agenda = agendaOf(state, type);
  for (let i = applied; i < history.length; i++) {
    const refusedBefore = state.ignored.length;
    applyDelivery(state, history[i], type);
    const next = agendaOf(state, type);
    const ownRefused = state.ignored.length > refusedBefore && history[i].message.author === args.member;
    if (agendaMoved(agenda, next) || ownRefused) needed = i + 1;
    agenda = next;
  }
  return needed;
}
