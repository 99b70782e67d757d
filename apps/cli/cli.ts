import { cancelCommand, decideCommand } from './commands/act.js';
import { apiKeyCommand } from './commands/api-key.js';
import { networkCommand } from './commands/network.js';
import { getCommand, listCommand } from './commands/processes.js';
import { startCommand } from './commands/start.js';
import { tailCommand } from './commands/tail.js';
import { watchCommand } from './commands/watch.js';
import { DEFAULT_GATEWAY, GLOBAL_OPTIONS, type Command, type Io } from './command.js';
import { commandHelp, mainHelp } from './help.js';
import { Gateway, GatewayError, UnreachableError } from './http.js';
import { parseArgs, stringOption, UsageError } from './parse-args.js';
import { errorText } from './render.js';

export const COMMANDS: readonly Command[] = [
  startCommand,
  watchCommand,
  listCommand,
  getCommand,
  tailCommand,
  networkCommand,
  cancelCommand,
  decideCommand,
  apiKeyCommand,
];

/** Runs one `baton` invocation; resolves to the exit code. Never throws. */
export async function run(argv: readonly string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    io.out(command ? commandHelp(command) : mainHelp(COMMANDS));
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(errorText('usage', `unknown command "${name}"; run \`baton --help\` for the commands`));
    return 1;
  }
  try {
    const args = parseArgs(rest, { ...command.options, ...GLOBAL_OPTIONS });
    if (args.options.help === true) {
      io.out(commandHelp(command));
      return 0;
    }
    const gateway = new Gateway(
      stringOption(args, 'gateway') ?? env.BATON_GATEWAY ?? DEFAULT_GATEWAY,
      undefined,
      stringOption(args, 'api-key') ?? (env.BATON_API_KEY || undefined),
    );
    return await command.run({ gateway, json: args.options.json === true, io, args });
  } catch (err) {
    io.err(describeError(err, command));
    return 1;
  }
}

function describeError(err: unknown, command: Command): string {
  if (err instanceof UsageError) return errorText('usage', `${err.message}; see \`baton ${command.name} --help\``);
  if (err instanceof GatewayError) return errorText(err.code, err.message, err.details);
  if (err instanceof UnreachableError)
    return [
      errorText('gateway-unreachable', err.message),
      'Is the network running? Start the local network with `npm start` (gateways at http://127.0.0.1:3001, :3002, :3003),',
      'or point the CLI at a running gateway with --gateway URL or BATON_GATEWAY.',
    ].join('\n');
  return errorText('internal', err instanceof Error ? (err.stack ?? err.message) : String(err));
}
