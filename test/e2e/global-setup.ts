import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { wipeNetworkDatabases, type TestNetworkDatabase } from '../support/member-database.js';
import { diagnosis, readiness } from './diagnosis.js';
import { MEMBERS, NetworkProcess } from './network-process.js';
import { E2E_PORTS } from './ports.js';

/** One real local network (Temporal dev server, chain, three members) for all end-to-end tests. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'baton-e2e-'));
  const network = await NetworkProcess.start(E2E_PORTS, dataDir);
  // Tests that inject faults (duplicate deliveries) reach into a member's own database.
  project.provide('e2eDataDir', dataDir);
  project.provide('e2eDatabase', network.database);
  return async () => {
    // Two failed PostgreSQL passes ended with every gateway not ready and no
    // logs left: say which part stopped answering, and keep the logs.
    const unready = (await readiness(E2E_PORTS)).some((r) => r.status !== 200);
    if (unready)
      console.log(`the shared e2e network is not ready at the end of the run\n${await diagnosis(E2E_PORTS, dataDir)}`);
    await network.interrupt();
    if (process.env.BATON_KEEP_E2E_DATA || unready) console.log(`e2e data kept in ${dataDir}`);
    else {
      rmSync(dataDir, { recursive: true, force: true });
      await wipeNetworkDatabases(network.database, MEMBERS);
    }
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eDataDir: string;
    /** Where the shared network's members keep their databases (test/support/member-database.ts). */
    e2eDatabase: TestNetworkDatabase;
  }
}
