import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TASK_QUEUE } from '../../workflows/definitions.js';
import { SequencerClient } from '../shared/chain/sequencer.js';
import { loadConfig } from '../shared/config.js';
import { openDatabase } from '../shared/db/data-source.js';
import { EventLoopStalls } from '../shared/event-loop-stalls.js';
import { createLogger } from '../shared/logger.js';
import { logStrayErrors } from '../shared/stray-errors.js';
import { projectPath } from '../shared/paths.js';
import { createProcessActivities } from './activities/process.activities.js';
import { createProjectionActivities } from './activities/projection.activities.js';
import { HealthServer, type Readiness } from './observability/health-server.js';
import { WorkerMetrics } from './observability/metrics.js';
import { installTemporalLogging } from './observability/temporal-logger.js';
import { Pipeline } from './pipeline.js';
import { memberStepImplementations } from './process-types/index.js';
import { createStages } from './stages.js';

/** /readyz fails when the last successful ledger read is older than this. */
const LEDGER_READ_STALE_MS = 10_000;

/**
 * A member's worker: its Temporal worker (process workflows and their
 * activities) beside the ledger and outbox pipelines (pipeline.ts). Parts
 * start in the order below and stop in the reverse order.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('worker', config.memberName, config.logLevel);
  installTemporalLogging(log);
  const metrics = new WorkerMetrics();
  const ds = await openDatabase(config, config.dbMigrate);
  const sequencer = new SequencerClient({
    rpcUrl: config.chainRpcUrl,
    address: config.sequencerAddress,
    privateKey: config.memberKey,
  });
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const clientConnection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection: clientConnection, namespace: config.temporalNamespace });
  const stages = createStages({ config, ds, sequencer, temporal, log, metrics });
  const bundle = projectPath('dist', 'workflow-bundle.js');
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: TASK_QUEUE,
    ...(existsSync(bundle)
      ? { workflowBundle: { codePath: bundle } }
      : { workflowsPath: projectPath('dist', 'workflows', 'index.js') }),
    activities: {
      ...createProcessActivities({
        member: config.memberName,
        ds,
        sender: stages.sender,
        implementations: memberStepImplementations(ds),
        log,
        metrics,
      }),
      ...createProjectionActivities(ds, log),
    },
  });
  const pipeline = new Pipeline(stages, {
    sequencer,
    chainWsUrl: config.chainWsUrl,
    chainConfirmations: config.chainConfirmations,
    ledgerPollMs: config.ledgerPollMs,
    log,
  });
  pipeline.start();
  const readiness = (): Readiness => {
    if (worker.getState() !== 'RUNNING') return { ready: false, reason: `worker is ${worker.getState()}` };
    const lastRead = stages.listener.lastReadAt;
    const age = lastRead === undefined ? undefined : Date.now() - lastRead;
    if (age === undefined || age > LEDGER_READ_STALE_MS)
      return { ready: false, reason: age === undefined ? 'no ledger read yet' : `last ledger read ${age} ms ago` };
    return { ready: true };
  };
  const stalls = EventLoopStalls.start({ stallMs: config.healthStallMs, windowMs: config.healthStallWindowMs });
  // Without its metrics port the worker still works: say so loudly rather than stop it.
  const health =
    config.metricsPort > 0
      ? await HealthServer.start({
          port: config.metricsPort,
          host: config.host,
          metrics,
          readiness,
          stalls,
          log,
        }).catch((err: unknown) => void log.error('metrics and health endpoints not started', { error: String(err) }))
      : undefined;

  let stopping = false;
  const shutdown = (signal: string) => {
    // A second signal (Ctrl-C, then the launcher's SIGTERM) while draining: the SDK would throw.
    if (stopping) return log.info('already shutting down', { signal });
    stopping = true;
    log.info('shutting down', { signal });
    worker.shutdown();
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // Started: a stray error in one stage's path is logged, not the end of every stage (a failed start still is).
  logStrayErrors(log);
  log.info('worker started', { namespace: config.temporalNamespace, taskQueue: TASK_QUEUE });
  await worker.run();
  await pipeline.stop(log);
  await health?.stop();
  stalls.stop();
  await clientConnection.close();
  await connection.close();
  sequencer.destroy();
  await ds.destroy();
  log.info('worker stopped');
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
