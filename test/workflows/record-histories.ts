import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { format, resolveConfig } from 'prettier';
import { HISTORIES_DIR, historyToObject } from './history-files.js';

/**
 * Regenerate the saved histories that replay.test.ts replays (their scenarios
 * are in process-workflow-trade.test.ts and process-workflow-loan.test.ts):
 *   BATON_RECORD_HISTORIES=1 npx vitest run test/workflows/process-workflow-
 * Without the flag the scenarios run as plain tests and nothing is written.
 */
export const RECORDING = process.env.BATON_RECORD_HISTORIES === '1';

/** Saves each member's finished history as `<scenario>.<member>.json`, formatted as the repo formats JSON. */
export async function recordHistories(scenario: string, handles: Record<string, WorkflowHandle>): Promise<void> {
  if (!RECORDING) return;
  await mkdir(HISTORIES_DIR, { recursive: true });
  for (const [member, handle] of Object.entries(handles)) {
    const file = join(HISTORIES_DIR, `${scenario}.${member}.json`);
    const json = JSON.stringify(historyToObject(await handle.fetchHistory()));
    await writeFile(file, await format(json, { ...(await resolveConfig(file)), filepath: file }));
  }
}
