import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectPath } from '../apps/shared/paths.js';

// Bundles the workflows once at build time, so each member's worker starts
// without running webpack.
const { code } = await bundleWorkflowCode({
  workflowsPath: projectPath('dist', 'workflows', 'index.js'),
  logger: {
    log: () => undefined,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: console.warn,
    error: console.error,
  },
});
writeFileSync(projectPath('dist', 'workflow-bundle.js'), code);
