import { Module } from '@nestjs/common';
import { IdempotencyKeysService } from './idempotency-keys.service.js';
import { ProcessCommandsService } from './process-commands.service.js';
import { ProcessesController } from './processes.controller.js';
import { ProcessesService } from './processes.service.js';

@Module({
  controllers: [ProcessesController],
  providers: [ProcessesService, ProcessCommandsService, IdempotencyKeysService],
})
export class ProcessesModule {}
