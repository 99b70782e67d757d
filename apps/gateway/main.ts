import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { WsAdapter } from '@nestjs/platform-ws';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { loadConfig } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { AppModule } from './app.module.js';
import { ErrorFilter } from './common/error.filter.js';
import { LOGGER } from './core/tokens.js';

/** A member's gateway: REST, WebSocket and member-to-member data exchange. */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { rawBody: true, logger: ['error', 'warn'] });
  const log = app.get<Logger>(LOGGER);
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.useWebSocketAdapter(new WsAdapter(app));
  app.useGlobalFilters(new ErrorFilter(log));
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }),
  );
  const openapi = new DocumentBuilder()
    .setTitle(`Baton gateway (${config.memberName})`)
    .setDescription('Start and follow multi-party processes; events over /ws.')
    .setVersion('1')
    .build();
  SwaggerModule.setup('api', app, () => SwaggerModule.createDocument(app, openapi), {
    jsonDocumentUrl: 'api/openapi.json',
  });
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  log.info('gateway listening', { url: config.publicUrl });
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
