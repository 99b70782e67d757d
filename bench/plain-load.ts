import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { projectPath } from '../apps/shared/paths.js';
import { PLAIN_TASK_QUEUE, plainWorkflowId, type PlainTradeArgs } from './plain/types.js';

const PARTICIPANTS = { buyer: 'buyer', seller: 'seller', bank: 'bank' };

/** The three plain-Temporal workers (one process per member) and a client that runs trades on them. */
export class PlainTemporal {
  private constructor(
    private readonly children: ChildProcess[],
    private readonly connection: Connection,
    readonly pids: Record<string, number>,
  ) {}

  static async start(address: string, dataDir: string, members: readonly string[]): Promise<PlainTemporal> {
    mkdirSync(join(dataDir, 'plain'), { recursive: true });
    const children: ChildProcess[] = [];
    const ready: Promise<void>[] = [];
    for (const member of members) {
      const logFile = join(dataDir, 'plain', `${member}-worker.log`);
      const fd = openSync(logFile, 'a');
      const child = spawn(process.execPath, [projectPath('dist', 'bench', 'plain', 'worker.js')], {
        env: {
          ...process.env,
          MEMBER_NAME: member,
          TEMPORAL_ADDRESS: address,
          SQLITE_PATH: join(dataDir, 'plain', `${member}.sqlite`),
        },
        stdio: ['ignore', 'pipe', fd],
      });
      closeSync(fd);
      children.push(child);
      ready.push(
        new Promise((resolve, reject) => {
          child.stdout!.on('data', (b: Buffer) => b.toString().includes('plain worker ready') && resolve());
          child.once('exit', (code) => reject(new Error(`plain ${member} worker exited (${code}); see ${logFile}`)));
        }),
      );
    }
    process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
    await Promise.all(ready);
    const pids = Object.fromEntries(members.map((m, i) => [`plain ${m} worker`, children[i].pid!]));
    return new PlainTemporal(children, await Connection.connect({ address }), pids);
  }

  /** One trade: the seller's and bank's workflows, then the buyer's; ends when all three have ended. */
  async runOne(): Promise<void> {
    const processId = randomUUID();
    const input = { item: 'steel', quantity: 10, amount: 500 };
    const start = (member: string) => {
      const args: PlainTradeArgs = { processId, member, input, participants: PARTICIPANTS };
      return new Client({ connection: this.connection, namespace: member }).workflow.start('plainTradeWorkflow', {
        taskQueue: PLAIN_TASK_QUEUE,
        workflowId: plainWorkflowId(processId, member),
        args: [args],
      });
    };
    const others = await Promise.all([start('seller'), start('bank')]);
    const buyer = await start('buyer');
    await Promise.all([buyer, ...others].map((h) => h.result()));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    await this.connection.close();
  }
}
