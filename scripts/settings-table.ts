import { readFileSync } from 'node:fs';
import { projectPath } from '../apps/shared/paths.js';

/**
 * Prints the settings table of docs/deployment.md from apps/shared/config.ts
 * (every key with its default and its one-line comment).
 *
 * @example
 *   npx tsc -p tsconfig.build.json && node dist/scripts/settings-table.js
 */
const source = readFileSync(projectPath('apps', 'shared', 'config.ts'), 'utf8');
const block = /const DEFAULTS = \{([\s\S]*?)\n\} as const;/.exec(source)?.[1];
if (!block) throw new Error('no DEFAULTS block in apps/shared/config.ts');
const rows = [...block.matchAll(/\/\*\*\s*([\s\S]*?)\s*\*\/\s*\n\s*(\w+): '([^']*)'/g)].map(
  ([, comment, key, value]) =>
    `| \`${key}\` | ${value === '' ? '(empty)' : `\`${value}\``} | ${comment.replace(/\s*\n\s*\*\s*/g, ' ').replace(/\|/g, '\\|')} |`,
);
console.log(['| setting | default | meaning |', '| --- | --- | --- |', ...rows].join('\n'));
