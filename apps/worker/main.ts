import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { Wallet } from 'ethers';
import { TASK_QUEUE } from '../../workflows/definitions.js';
import type { RawLog } from '../shared/chain/batch-log.js';
import { MemberDirectory } from '../shared/chain/member-directory.js';
import { NewHeads } from '../shared/chain/new-heads.js';
import { SequencerClient } from '../shared/chain/sequencer.js';
import { loadConfig } from '../shared/config.js';
import { openDatabase } from '../shared/db/data-source.js';
import { createLogger } from '../shared/logger.js';
import { projectPath } from '../shared/paths.js';
import { createProcessActivities } from './activities/process.activities.js';
import { createProjectionActivities } from './activities/projection.activities.js';
import { DataExchange } from './outbox/data-exchange.js';
import { HealthServer, type Readiness } from './observability/health-server.js';
import { LedgerDispatcher } from './ledger/ledger-dispatcher.js';
import { LedgerListener } from './ledger/ledger-listener.js';
import { LedgerProjector } from './ledger/ledger-projector.js';
import { MessageSender } from './outbox/message-sender.js';
import { CatchUpWatch } from './ledger/catch-up.js';
import { DataRecovery } from './ledger/data-recovery.js';
import { WorkerMetrics } from './observability/metrics.js';
import { BlockSchedule } from './outbox/block-schedule.js';
import { PinBatcher } from './outbox/pin-batcher.js';
import { memberStepImplementations } from './process-types/index.js';
import { repeat } from './repeat.js';
import { temporalLogger } from './observability/temporal-logger.js';

/** /readyz fails when the last successful ledger read is older than this. */
const LEDGER_READ_STALE_MS = 10_000;
/** How often a ledger stage with nothing to do and no reason to hurry looks again. */
const QUIET_POLL_MS = 1_000;

/** A member's worker: Temporal activities and workflows, the ledger listener, the pinner. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger('worker', config.memberName, config.logLevel);
  // The SDK's own lines as JSON too; before any connection. (Forwarding the
  // core's logs as well crashed the process at start with better-sqlite3 loaded.)
  Runtime.install({
    logger: temporalLogger(log.child({ sdk: 'temporal' })),
    // The native core writes its own lines (retries, slow workflow tasks) to
    // stderr, beside pino's: as JSON too, so the log stays one JSON object a line.
    // (Forwarding them into pino instead made workers abort at start with this SDK.)
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, console: { format: 'json' } } },
  });
  const metrics = new WorkerMetrics();
  const ds = await openDatabase(config, config.dbMigrate);
  const sequencer = new SequencerClient({
    rpcUrl: config.chainRpcUrl,
    address: config.sequencerAddress,
    privateKey: config.memberKey,
  });
  const directory = new MemberDirectory(sequencer);
  const wallet = new Wallet(config.memberKey);
  // Fed with the heads announced below: on a chain with a block time, batches go out just before each block.
  const schedule = new BlockSchedule(config.pinSendAheadMs);
  const pinner = new PinBatcher(
    ds,
    sequencer,
    log,
    {
      maxBatch: config.pinBatchMax,
      lingerMs: config.pinLingerMs,
      busyLingerMs: config.pinBusyLingerMs,
      idleMs: QUIET_POLL_MS,
      schedule,
    },
    metrics,
  );
  const sender = new MessageSender(
    ds,
    new DataExchange(config.memberName, wallet, directory),
    () => config.blobDir,
    log,
    metrics,
  );
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  const clientConnection = await Connection.connect({ address: config.temporalAddress });
  const client = new Client({ connection: clientConnection, namespace: config.temporalNamespace });
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
        sender,
        implementations: memberStepImplementations(ds),
        log,
        metrics,
      }),
      ...createProjectionActivities(ds, log),
    },
  });
  const listener = new LedgerListener(
    ds,
    sequencer,
    log,
    {
      startBlock: config.sequencerStartBlock,
      confirmations: config.chainConfirmations,
    },
    metrics,
  );
  const projector = new LedgerProjector(ds, directory, config.memberName, log);
  const recovery = new DataRecovery(ds, directory, wallet, config.memberName, config.blobDir, log);
  const dispatcher = new LedgerDispatcher(ds, client, directory, config.memberName, log, metrics, config.ledgerHoldMs);
  const catchUp = new CatchUpWatch(ds, listener, log);
  const onError = (what: string) => (err: unknown) => log.error(`${what} failed; retrying`, { error: String(err) });
  // Each stage wakes the next as soon as it made work for it. Only the
  // listener (other members' blocks, unless CHAIN_WS_URL announces them) and
  // the projector while pins wait for data from a peer's gateway poll every
  // LEDGER_POLL_MS; otherwise the stages look again once a second, in case a
  // wake-up was missed.
  // Nothing goes to the workflows before the listener has read up to the
  // chain head once: a member rebuilding from block 0 would otherwise start
  // workflows on the first part of a history and act on steps long decided.
  // Once per start, before the first delivery: processes whose workflow
  // Temporal lost (its namespace emptied, this database kept) start again.
  let missingChecked = false;
  const deliver = repeat(
    async () => {
      if (!listener.reachedHead) return 0;
      if (!missingChecked) {
        await dispatcher.restartMissing();
        missingChecked = true;
      }
      return dispatcher.dispatchOnce();
    },
    QUIET_POLL_MS,
    onError('ledger delivery'),
  );
  let dataAwaited = true;
  const project = repeat(
    async () => {
      const { pins, more } = await projector.projectOnce();
      if (pins > 0) deliver.wake();
      // A pass that did not fill up took every ready context: no second look
      // just to find nothing (each costs a query per pin read from the chain).
      if (more) return 1;
      dataAwaited = await catchUp.check(() => projector.awaitsData());
      return 0;
    },
    () => (dataAwaited ? config.ledgerPollMs : QUIET_POLL_MS),
    onError('ledger projection'),
  );
  const recover = repeat(
    async () => {
      const stored = await recovery.recoverOnce();
      if (stored > 0) project.wake();
      return stored;
    },
    QUIET_POLL_MS,
    onError('private data recovery'),
  );
  // Announced blocks wake the reader (`read` is set below, before `start()`).
  // With each block come its BatchPinned logs (where the chain pushes them):
  // recorded at once, they reach the projector a chain round trip sooner.
  const heads = config.chainWsUrl
    ? new NewHeads(
        config.chainWsUrl,
        (blockNumber) => {
          if (blockNumber !== undefined) {
            listener.announced(blockNumber);
            schedule.headSeen();
          }
          read.wake();
        },
        log,
        undefined,
        config.chainConfirmations > 0
          ? undefined // batches are taken only once confirmed: a push would come too early to use
          : {
              filter: sequencer.batchLogFilter(),
              onLog: (raw) => {
                try {
                  const batch = sequencer.toBatch(raw as RawLog);
                  if (batch) listener.pushed(batch);
                } catch {
                  // Not a log this reader can decode: the read of its block reports it.
                }
              },
            },
      )
    : undefined;
  const read = repeat(
    async () => {
      const hadReachedHead = listener.reachedHead;
      if ((await listener.recordPushed()) > 0) project.wake();
      const batches = await listener.pollOnce();
      if (batches > 0) {
        project.wake();
        // Data normally comes pushed before its pin: once the listener follows
        // the head the recovery's one-second round is soon enough; while it
        // reads history (a rebuild, a restart after a long stop) it runs at once.
        if (!hadReachedHead || !listener.atHead) recover.wake();
      }
      if (!hadReachedHead && listener.reachedHead) deliver.wake();
      // Straight on while the cursor is behind the head: a rebuild reads block 0 onwards at full speed.
      return batches > 0 || !listener.atHead ? 1 : 0;
    },
    // While the chain announces its blocks, polling is only a safety net.
    () => (heads?.live ? QUIET_POLL_MS : config.ledgerPollMs),
    onError('ledger read'),
  );
  heads?.start();
  // Messages this member published go to its peers, then to the pinner.
  const send = repeat(
    () => sender.sendOnce(),
    () => sender.nextRetryMs(QUIET_POLL_MS),
    onError('message delivery'),
  );
  sender.onAdded = () => send.wake();
  sender.onQueued = () => pinner.nudge();
  const loops = [read, project, recover, deliver, send];
  // A batch this member just pinned is on the chain: read it now rather than at the next poll.
  pinner.onPinned = () => read.wake();
  pinner.start();
  const readiness = (): Readiness => {
    if (worker.getState() !== 'RUNNING') return { ready: false, reason: `worker is ${worker.getState()}` };
    const age = listener.lastReadAt === undefined ? undefined : Date.now() - listener.lastReadAt;
    if (age === undefined || age > LEDGER_READ_STALE_MS)
      return { ready: false, reason: age === undefined ? 'no ledger read yet' : `last ledger read ${age} ms ago` };
    return { ready: true };
  };
  // Without its metrics port the worker still works: say so loudly rather than stop it.
  const health =
    config.metricsPort > 0
      ? await HealthServer.start({ port: config.metricsPort, host: config.host, metrics, readiness, log }).catch(
          (err: unknown) => void log.error('metrics and health endpoints not started', { error: String(err) }),
        )
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
  log.info('worker started', { namespace: config.temporalNamespace, taskQueue: TASK_QUEUE });
  await worker.run();
  heads?.stop();
  await Promise.all(loops.map((l) => l.stop()));
  await listener
    .saveCursor()
    .catch((err: unknown) => log.warn('saving the ledger cursor failed', { error: String(err) }));
  await pinner.stop();
  await health?.stop();
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
