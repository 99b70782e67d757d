import { cp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, tempDir } from '../contracts/chain-helpers.js';
import { savedHistories } from './history-files.js';
import { bundleWorkflows, installQuietRuntime } from './temporal-env.js';

// Saved histories of finished processes (see record-histories.ts) replayed
// with the current workflow code: a change that would make running processes
// take another path fails here, before a deploy breaks them.
const histories = savedHistories();

describe('replay of saved process histories', () => {
  let bundle: WorkflowBundleWithSourceMap;

  beforeAll(async () => {
    installQuietRuntime();
    bundle = await bundleWorkflows();
  }, 120_000);

  it('has histories of every scenario and member', () => {
    expect(histories.length).toBeGreaterThanOrEqual(15);
  });

  it.each(histories.map((h) => [h.file, h.history] as const))('%s replays', async (_file, history) => {
    await Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'baton-replay' }, history);
  });

  it('fails on a non-deterministic change to a copy of the workflow code', async () => {
    // A copy outside the repo: the step action now schedules another activity type.
    const dir = await tempDir('replay-copy');
    try {
      await cp(join(projectRoot, 'workflows'), join(dir, 'workflows'), { recursive: true });
      await symlink(join(projectRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const file = join(dir, 'workflows', 'step-tasks.ts');
      const source = await readFile(file, 'utf8');
      expect(source).toContain('steps.runStep(');
      await writeFile(file, source.replace('steps.runStep(', 'steps.compensateStep('));
      const changed = await bundleWorkflows(join(dir, 'workflows', 'index.ts'));
      const { history } = histories.find((h) => h.file === 'trade-completed.buyer.json')!;
      await expect(Worker.runReplayHistory({ workflowBundle: changed }, history)).rejects.toMatchObject({
        name: 'DeterminismViolationError',
        message: expect.stringContaining("Activity type of scheduled event 'runStep' does not match") as unknown,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
