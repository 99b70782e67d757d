import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { MemberDirectory } from '../../shared/chain/member-directory.js';
import { SequencerClient } from '../../shared/chain/sequencer.js';
import { loadConfig, type MemberConfig } from '../../shared/config.js';
import { openDatabase } from '../../shared/db/data-source.js';
import { createLogger } from '../../shared/logger.js';
import { CONFIG, DATA_SOURCE, DIRECTORY, LOGGER, SEQUENCER, TEMPORAL } from './tokens.js';

/** The member's configuration, database, Temporal client and chain client, shared by every feature module. */
@Global()
@Module({
  providers: [
    { provide: CONFIG, useFactory: () => loadConfig() },
    {
      provide: LOGGER,
      inject: [CONFIG],
      useFactory: (c: MemberConfig) => createLogger('gateway', c.memberName, c.logLevel),
    },
    { provide: DATA_SOURCE, inject: [CONFIG], useFactory: (c: MemberConfig) => openDatabase(c, c.dbMigrate) },
    {
      provide: TEMPORAL,
      inject: [CONFIG],
      // lazy: the gateway serves status and reads while Temporal is still starting
      useFactory: (c: MemberConfig) =>
        new Client({ connection: Connection.lazy({ address: c.temporalAddress }), namespace: c.temporalNamespace }),
    },
    {
      provide: SEQUENCER,
      inject: [CONFIG],
      useFactory: (c: MemberConfig) => new SequencerClient({ rpcUrl: c.chainRpcUrl, address: c.sequencerAddress }),
    },
    { provide: DIRECTORY, inject: [SEQUENCER], useFactory: (s: SequencerClient) => new MemberDirectory(s) },
  ],
  exports: [CONFIG, LOGGER, DATA_SOURCE, TEMPORAL, SEQUENCER, DIRECTORY],
})
export class CoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(DATA_SOURCE) private readonly ds: DataSource,
    @Inject(TEMPORAL) private readonly temporal: Client,
    @Inject(SEQUENCER) private readonly sequencer: SequencerClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.temporal.connection.close();
    this.sequencer.destroy();
    await this.ds.destroy();
  }
}
