import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import type { MemberConfig } from '../../shared/config.js';
import { CONFIG } from '../core/tokens.js';
import { BlobStorageEngine } from './blob-storage.engine.js';
import { DataController } from './data.controller.js';
import { DataService } from './data.service.js';

@Module({
  imports: [
    MulterModule.registerAsync({
      inject: [CONFIG],
      useFactory: (c: MemberConfig) => ({
        storage: new BlobStorageEngine(c.blobDir),
        limits: { fileSize: c.maxBlobBytes, files: 1, fields: 10 },
        // Browsers and fetch send a part's file name as UTF-8 bytes: read as Latin-1, 日本.txt became æ—¥æœ¬.txt.
        defParamCharset: 'utf8',
      }),
    }),
  ],
  controllers: [DataController],
  providers: [DataService],
  exports: [DataService],
})
export class DataModule {}
