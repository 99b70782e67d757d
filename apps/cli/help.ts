import { GLOBAL_OPTIONS, type Command } from './command.js';
import type { OptionSpecs } from './parse-args.js';

function optionLines(specs: OptionSpecs): string[] {
  const left = Object.entries(specs).map(([name, s]) => `--${name}${s.value ? ` ${s.value}` : ''}`);
  const width = Math.max(...left.map((l) => l.length));
  return Object.values(specs).map((s, i) => `  ${left[i].padEnd(width)}  ${s.description}`);
}

/** `baton <command> --help`. */
export function commandHelp(command: Command): string {
  return [
    `baton ${command.usage}`,
    '',
    command.summary,
    '',
    'Options:',
    ...optionLines({ ...command.options, ...GLOBAL_OPTIONS }),
    ...(command.notes ? ['', command.notes] : []),
  ].join('\n');
}

/** `baton --help`. */
export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'baton: the command line of a Baton network member',
    '',
    'Usage: baton <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Run `baton <command> --help` for the options of one command.',
    'Exit codes: 0 success, 1 error (the gateway answered an error or is not reachable), 2 the process failed.',
  ].join('\n');
}
