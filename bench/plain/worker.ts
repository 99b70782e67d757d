import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { openDatabase } from '../../apps/shared/db/data-source.js';
import { projectPath } from '../../apps/shared/paths.js';
import { tradeSettlementActivities } from '../../apps/worker/process-types/trade-settlement.activities.js';
import { participantMembers } from '../../workflows/messages.js';
import { PLAIN_TASK_QUEUE, plainWorkflowId, type PlainActivities } from './types.js';
import { stepDoneSignal } from './workflows.js';

/**
 * One member's worker for the plain-Temporal floor: its own process, its own
 * SQLite file for the step effects, its own namespace on the shared server.
 */
async function main(): Promise<void> {
  const member = process.env.MEMBER_NAME!;
  const address = process.env.TEMPORAL_ADDRESS!;
  const ds = await openDatabase({ databaseUrl: '', sqlitePath: process.env.SQLITE_PATH! }, true);
  const steps = tradeSettlementActivities(ds);
  const connection = await Connection.connect({ address });
  const clients = new Map<string, Client>();
  const client = (namespace: string) => {
    if (!clients.has(namespace)) clients.set(namespace, new Client({ connection, namespace }));
    return clients.get(namespace)!;
  };
  const activities: PlainActivities = {
    async runStep(request) {
      const impl = steps[request.activity];
      if (!impl) throw new Error(`no activity ${request.activity}`);
      return impl(request);
    },
    async notifyPeers({ processId, participants, index }) {
      const peers = participantMembers(participants).filter((m) => m !== member);
      await Promise.all(
        peers.map((peer) =>
          client(peer).workflow.getHandle(plainWorkflowId(processId, peer)).signal(stepDoneSignal, { index }),
        ),
      );
    },
  };
  const worker = await Worker.create({
    connection: await NativeConnection.connect({ address }),
    namespace: member,
    taskQueue: PLAIN_TASK_QUEUE,
    workflowsPath: projectPath('dist', 'bench', 'plain', 'workflows.js'),
    activities,
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.once('SIGINT', () => worker.shutdown());
  process.stdout.write('plain worker ready\n');
  await worker.run();
  await connection.close();
  await ds.destroy();
}

main().catch((err: unknown) => {
  process.stderr.write(`plain worker failed: ${String(err)}\n`);
  process.exit(1);
});
