import { printJson, type Command } from '../command.js';
import { EventSocket, type EventQuery } from '../events.js';
import { expectPositionals, integerOption, stringOption, UsageError } from '../parse-args.js';
import { eventLine } from '../render.js';

function firstEvent(text: string | undefined): EventQuery['firstEvent'] {
  if (text === undefined || text === 'newest') return 'newest';
  if (text === 'oldest') return 'oldest';
  return integerOption(text, 'from', 0);
}

export const tailCommand: Command = {
  name: 'tail',
  summary: 'print the events of this member as they happen, until Ctrl-C',
  usage: 'tail [--filter-events REGEX] [--reference REGEX] [--from oldest|newest|N]',
  options: {
    'filter-events': { type: 'string', value: 'REGEX', description: 'only event types matching, e.g. ^process-' },
    reference: { type: 'string', value: 'REGEX', description: 'only events of processes whose id matches' },
    from: {
      type: 'string',
      value: 'WHERE',
      description: 'oldest (replay all), newest (default: only new events) or a sequence number',
    },
  },
  notes: [
    'One line per event: sequence, type, process id, then status, step, pin, author and reason.',
    'With --json, each event frame as one line of JSON.',
    'The subscription is ephemeral: it lives as long as this command; --from N resumes after a sequence.',
    'Durable named subscriptions, which keep their position while the app is away, are made over REST',
    '(POST /api/v1/namespaces/default/subscriptions, see docs/events.md) for apps; this command does not use them.',
  ].join('\n'),
  async run(ctx) {
    expectPositionals(ctx.args, []);
    const events = stringOption(ctx.args, 'filter-events');
    const reference = stringOption(ctx.args, 'reference');
    for (const [name, value] of [
      ['filter-events', events],
      ['reference', reference],
    ] as const)
      if (value !== undefined)
        try {
          new RegExp(value);
        } catch {
          throw new UsageError(`--${name} is not a valid regular expression`);
        }
    const socket = await EventSocket.open(
      ctx.gateway,
      { filter: { events, reference }, firstEvent: firstEvent(stringOption(ctx.args, 'from')) },
      (event) => (ctx.json ? printJson(ctx.io, event, true) : ctx.io.out(eventLine(event))),
    );
    const stop = () => socket.close();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      await socket.closed;
      return 0;
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
    }
  },
};
