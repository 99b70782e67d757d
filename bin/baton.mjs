#!/usr/bin/env node
// `baton`, the command line client: runs the compiled CLI from dist/ (Node runs no TypeScript here).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/apps/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('baton: the CLI is not built yet (no dist/apps/cli/main.js); run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
