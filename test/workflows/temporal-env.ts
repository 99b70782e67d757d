import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { Logger } from '@temporalio/common';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { findOrInstallTemporalCli } from '../../apps/network/temporal-cli.js';
import { TemporalDevServer } from '../../apps/network/temporal-server.js';
import type { ProcessActivities, ProjectionActivities } from '../../workflows/activities.js';
import { freePort, projectRoot, tempDir } from '../contracts/chain-helpers.js';

export const WORKFLOWS_PATH = join(projectRoot, 'workflows', 'index.ts');
export const NAMESPACE = 'workflow-test';

const quiet: Logger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message, meta) => console.warn(message, meta ?? ''),
  error: (message, meta) => console.error(message, meta ?? ''),
};

/** Bundles the workflow sources (.ts, with `.js` imports) the way the worker would. */
export async function bundleWorkflows(workflowsPath = WORKFLOWS_PATH): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: quiet });
}

/** Workflow and core logs at error level only (tests provoke failures on purpose); installed once per process. */
export function installQuietRuntime(): void {
  try {
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      // Replay tests provoke nondeterminism on purpose: core's warnings about it are expected.
      telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // Already installed by an earlier call in this process.
  }
}

/**
 * One real Temporal dev server per test file, the workflow bundle built once,
 * and a fresh worker (own task queue) per test.
 */
export class TemporalEnv {
  private constructor(
    private readonly server: TemporalDevServer,
    private readonly dataDir: string,
    private readonly native: NativeConnection,
    private readonly connection: Connection,
    readonly client: Client,
    readonly bundle: WorkflowBundleWithSourceMap,
  ) {}

  static async start(): Promise<TemporalEnv> {
    installQuietRuntime();
    const cli = await findOrInstallTemporalCli({ projectRoot, log: () => undefined });
    const dataDir = await tempDir('workflow-test');
    const [server, bundle] = await Promise.all([
      TemporalDevServer.start({
        cli,
        dataDir,
        port: await freePort(),
        uiPort: await freePort(),
        namespaces: [NAMESPACE],
        searchAttributes: { BatonProcessType: 'Keyword', BatonStatus: 'Keyword', BatonMember: 'Keyword' },
      }),
      bundleWorkflows(),
    ]);
    const native = await NativeConnection.connect({ address: server.address });
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: NAMESPACE });
    return new TemporalEnv(server, dataDir, native, connection, client, bundle);
  }

  worker(taskQueue: string, activities: ProcessActivities & ProjectionActivities): Promise<Worker> {
    return Worker.create({
      connection: this.native,
      namespace: NAMESPACE,
      taskQueue,
      workflowBundle: this.bundle,
      activities,
      // A test that fails mid-way must not wait for scripted activities that never end.
      shutdownGraceTime: '1s',
      shutdownForceTime: '3s',
    });
  }

  async stop(): Promise<void> {
    await this.connection.close();
    await this.native.close();
    await this.server.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** Polls `probe` until it returns something other than undefined (or throws after `timeoutMs`). */
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
