import type { ChainMember, SequencerClient } from './sequencer.js';

/**
 * The network's members as registered in the Sequencer, cached. A lookup that
 * misses refreshes the cache (at most every `minRefreshMs`), so a member added
 * on-chain is found without a restart.
 */
export class MemberDirectory {
  private members: ChainMember[] = [];
  private loadedAt = 0;
  private loading?: Promise<void>;

  constructor(
    private readonly sequencer: SequencerClient,
    private readonly minRefreshMs = 2_000,
  ) {}

  async all(): Promise<ChainMember[]> {
    if (this.loadedAt === 0) await this.refresh();
    return this.members;
  }

  async byName(name: string): Promise<ChainMember | undefined> {
    return this.find((m) => m.name === name);
  }

  async byAccount(account: string): Promise<ChainMember | undefined> {
    const wanted = account.toLowerCase();
    return this.find((m) => m.account.toLowerCase() === wanted);
  }

  private async find(match: (m: ChainMember) => boolean): Promise<ChainMember | undefined> {
    const hit = (await this.all()).find(match);
    if (hit || Date.now() - this.loadedAt < this.minRefreshMs) return hit;
    await this.refresh();
    return this.members.find(match);
  }

  private refresh(): Promise<void> {
    this.loading ??= this.sequencer
      .members()
      .then((members) => {
        this.members = members;
        this.loadedAt = Date.now();
      })
      .finally(() => (this.loading = undefined));
    return this.loading;
  }
}
