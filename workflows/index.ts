// The worker's workflow bundle entry: every workflow this package exports.
export { processWorkflow } from './process.workflow.js';
