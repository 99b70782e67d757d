import type { Io } from './command.js';
import { run } from './cli.js';

/** `baton`: the command line of a Baton network member (bin/baton.mjs loads the build of this file). */
const io: Io = {
  out: (text) => void process.stdout.write(`${text}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  isTTY: process.stdout.isTTY === true,
  columns: process.stdout.columns ?? 80,
};

process.exitCode = await run(process.argv.slice(2), io);
