import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalChain } from '../../apps/network/local-chain.js';
import { MemberProcess } from '../../apps/network/member-process.js';
import { findOrInstallTemporalCli } from '../../apps/network/temporal-cli.js';
import { TemporalDevServer } from '../../apps/network/temporal-server.js';
import { DEV_ACCOUNTS } from '../../apps/shared/chain/dev-accounts.js';
import { SequencerClient } from '../../apps/shared/chain/sequencer.js';
import { PROJECT_ROOT } from '../../apps/shared/paths.js';
import {
  memberDatabase,
  networkDatabaseUrl,
  openMemberDatabase,
  wipeMemberDatabase,
  type TestNetworkDatabase,
} from '../support/member-database.js';
import type { NetworkPorts } from './network-process.js';

export interface MemberSpec {
  name: string;
  /** Index into DEV_ACCOUNTS. */
  account: number;
  /** Gateway at gatewayBase + slot. */
  slot: number;
}

/**
 * The real parts of a local network (Temporal dev server, chain with the
 * Sequencer, a gateway and a worker per member, run from dist/) put together
 * by the test itself, so it can stop one member, wipe its database, start it
 * again, and register members later. `npm start` does the same in one piece
 * (apps/network/local-network.ts).
 */
export class MemberNetwork {
  sequencer = '';
  private temporal?: TemporalDevServer;
  private chain?: LocalChain;
  private readonly running = new Map<string, MemberProcess[]>();
  private readonly namespaceOf = new Map<string, string>();
  private readonly started = new Set<string>();

  constructor(
    private readonly ports: NetworkPorts,
    private readonly dataDir: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get chainUrl(): string {
    return this.chain!.rpcUrl;
  }

  gatewayUrl(member: MemberSpec): string {
    return `http://127.0.0.1:${this.ports.gatewayBase + member.slot}`;
  }

  /** Temporal with every namespace any member will use, the chain, the Sequencer; no member yet. */
  async start(namespaces: string[]): Promise<void> {
    const cli = await findOrInstallTemporalCli({ projectRoot: PROJECT_ROOT, log: this.log });
    this.temporal = await TemporalDevServer.start({
      cli,
      dataDir: join(this.dataDir, 'temporal'),
      port: this.ports.temporal,
      uiPort: this.ports.temporalUi,
      namespaces,
      searchAttributes: { BatonProcessType: 'Keyword', BatonStatus: 'Keyword', BatonMember: 'Keyword' },
      log: this.log,
    });
    this.chain = await LocalChain.start({
      dataDir: join(this.dataDir, 'chain'),
      port: this.ports.chain,
      projectRoot: PROJECT_ROOT,
      log: this.log,
    });
    this.sequencer = await SequencerClient.deploy(this.chain.rpcUrl, DEV_ACCOUNTS[0].privateKey);
  }

  /** Registers the member in the Sequencer (as its owner does) unless it is there. */
  async register(member: MemberSpec): Promise<void> {
    const owner = new SequencerClient({
      rpcUrl: this.chain!.rpcUrl,
      address: this.sequencer,
      privateKey: DEV_ACCOUNTS[0].privateKey,
    });
    try {
      if (!(await owner.isMember(DEV_ACCOUNTS[member.account].address)))
        await owner.addMember(DEV_ACCOUNTS[member.account].address, member.name, this.gatewayUrl(member));
    } finally {
      owner.destroy();
    }
  }

  /** Starts the member's worker and gateway on its own database (migrated first) and waits for its gateway. */
  async startMember(member: MemberSpec, namespace = this.namespaceOf.get(member.name) ?? member.name): Promise<void> {
    this.namespaceOf.set(member.name, namespace);
    const url = this.gatewayUrl(member);
    const env: Record<string, string> = {
      MEMBER_NAME: member.name,
      MEMBER_KEY: DEV_ACCOUNTS[member.account].privateKey,
      TEMPORAL_ADDRESS: this.temporal!.address,
      TEMPORAL_NAMESPACE: namespace,
      CHAIN_RPC_URL: this.chain!.rpcUrl,
      CHAIN_WS_URL: this.chain!.wsUrl,
      SEQUENCER_ADDRESS: this.sequencer,
      DATABASE_URL: this.database(member).databaseUrl,
      SQLITE_PATH: this.database(member).sqlitePath,
      PORT: new URL(url).port,
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      METRICS_PORT: String(Number(new URL(url).port) + 100),
      APP_AUTH: 'off', // a loopback test network, like the demo
    };
    // A PostgreSQL database of an earlier run would outlive its chain: each network starts its members empty.
    if (!this.started.has(member.name)) await wipeMemberDatabase(this.databaseNetwork, member.name);
    this.started.add(member.name);
    await (await openMemberDatabase(this.databaseNetwork, member.name, true)).destroy();
    const logDir = join(this.dataDir, 'logs');
    this.running.set(member.name, [
      MemberProcess.start({ member: member.name, role: 'worker', env, logDir, log: this.log }),
      MemberProcess.start({ member: member.name, role: 'gateway', env, logDir, log: this.log }),
    ]);
    await this.waitForGateway(member);
  }

  async stopMember(member: MemberSpec): Promise<void> {
    await Promise.all((this.running.get(member.name) ?? []).map((p) => p.stop()));
    this.running.delete(member.name);
  }

  /** Deletes the member's database and blobs: what a lost disk leaves. */
  async wipeMember(member: MemberSpec): Promise<void> {
    await wipeMemberDatabase(this.databaseNetwork, member.name);
    await rm(this.memberDir(member), { recursive: true, force: true });
  }

  /** The run's engine: SQLite under the data folder, or PostgreSQL databases `baton_rebuild_<member>`. */
  private get databaseNetwork(): TestNetworkDatabase {
    return { dataDir: this.dataDir, databaseUrl: networkDatabaseUrl('baton_rebuild') };
  }

  private database(member: MemberSpec) {
    return memberDatabase(this.databaseNetwork, member.name);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].flat().map((p) => p.stop()));
    await this.chain?.stop();
    await this.temporal?.stop();
  }

  private memberDir(member: MemberSpec): string {
    return join(this.dataDir, 'members', member.name);
  }

  private async waitForGateway(member: MemberSpec, timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = this.running.get(member.name)?.find((p) => p.failed);
      if (dead) throw new Error(`${dead.name} keeps failing:\n${await dead.logTail()}`);
      const ready = await fetch(`${this.gatewayUrl(member)}/api/v1/status`, { signal: AbortSignal.timeout(3_000) })
        .then(async (res) => ((await res.json()) as { ready?: boolean }).ready === true)
        .catch(() => false);
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`${member.name}'s gateway not ready after ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  }
}
