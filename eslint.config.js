// Lint rules for the whole repo. Type-aware rules run on TypeScript only;
// plain JS (this file, scripts/bootstrap.mjs) is linted without type info.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'artifacts/', 'cache/', 'node_modules/', '.baton/', '.tools/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'], defaultProject: 'tsconfig.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Default fixStyle: separate `import type` lines stay obvious in review.
      // Nest injects by the emitted constructor parameter types, so a class
      // used only as a parameter type is still a runtime import: the rule
      // leaves decorated classes alone when emitDecoratorMetadata is on.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Plain JS: no type information, and Node's globals.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' },
    },
  },
  {
    // The dashboard's static ES modules run in the browser, served as they are.
    files: ['apps/gateway/dashboard/public/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'document',
          'location',
          'fetch',
          'WebSocket',
          'FormData',
          'console',
          'setTimeout',
          'localStorage',
          'prompt',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
  // The layers' arrows run one way: workflows/ at the bottom, apps/shared above
  // it (taking only types from workflows/, so it loads no workflow code), then
  // the gateway, the worker and the CLI, which never import from each other.
  ...[
    ['apps/shared', ['gateway', 'worker', 'cli'], true],
    ['apps/gateway', ['worker', 'cli']],
    ['apps/worker', ['gateway', 'cli']],
    ['apps/cli', ['gateway', 'worker']],
  ].map(([dir, apps, typesFromWorkflows]) => ({
    files: [`${dir}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: `^(\\.\\./)+(${apps.join('|')})(/|$)`, message: `${dir} may not import from ${apps.join(', ')}.` },
            ...(typesFromWorkflows
              ? [
                  {
                    regex: '^(\\.\\./)+workflows(/|$)',
                    allowTypeImports: true,
                    message: `${dir} takes only types from workflows/ (import type).`,
                  },
                ]
              : []),
          ],
        },
      ],
    },
  })),
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs,
    // no I/O libraries and no reaching into the apps (as Temporal's samples do).
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: 'Workflows run in the Temporal sandbox.' })),
          patterns: [
            { group: ['node:*'], message: 'Workflows run in the Temporal sandbox: no Node built-ins.' },
            { group: ['ethers', 'ethers/*', 'typeorm', 'typeorm/*', '@nestjs/*'], message: 'Not sandbox-safe.' },
            { regex: '^(\\.\\./)+apps(/|$)', message: 'Workflows may not import app code; use activity types.' },
          ],
        },
      ],
    },
  },
);
