import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { loadConfig } from '../shared/config.js';
import type { MemberDirectory } from '../shared/chain/member-directory.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { logStrayErrors } from '../shared/stray-errors.js';
import { AppModule } from './app.module.js';
import { answerClientErrorsAsJson } from './common/client-errors.js';
import { ErrorFilter } from './common/error.filter.js';
import { jsonDepthLimit } from './common/json-depth.js';
import { NestLoggerAdapter } from './common/nest-logger.js';
import { validationPipe } from './common/validation.js';
import { DIRECTORY, LOGGER } from './core/tokens.js';
import { BoundedWsAdapter } from './events/delivery/websockets/bounded-ws-adapter.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';

/** A member's gateway: REST, WebSocket and member-to-member data exchange. */
async function main(): Promise<void> {
  const config = loadConfig();
  // Nest's own lines go through pino too: the gateway writes JSON only.
  const nestLog = new NestLoggerAdapter(
    createLogger('gateway', config.memberName, config.logLevel).child({ nest: true }),
  );
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { rawBody: true, logger: nestLog });
  const log = app.get<Logger>(LOGGER);
  app.use(app.get(GatewayMetrics).httpMiddleware());
  app.useBodyParser('json', { limit: config.maxBodyBytes });
  app.use(jsonDepthLimit);
  app.useWebSocketAdapter(new BoundedWsAdapter(app, config.wsMaxFrameBytes));
  // The dashboard of one member reads (GET only) the process views of the
  // others, e.g. their Temporal UI links; only pages served by members may.
  const directory = app.get<MemberDirectory>(DIRECTORY);
  app.enableCors({
    methods: ['GET'],
    origin: (origin, allow) => {
      if (!origin) return allow(null, false);
      directory.all().then(
        (members) =>
          allow(
            null,
            members.some((m) => URL.canParse(m.endpoint) && new URL(m.endpoint).origin === origin),
          ),
        (err: Error) => allow(err),
      );
    },
  });
  app.useGlobalFilters(new ErrorFilter(log));
  answerClientErrorsAsJson(app.getHttpServer());
  app.useGlobalPipes(validationPipe());
  const openapi = new DocumentBuilder()
    .setTitle(`Baton gateway (${config.memberName})`)
    .setDescription('Start and follow multi-party processes; events over /ws.')
    .setVersion('1')
    // APP_AUTH=on (the default outside the local demo): an API key or a JWT, as a bearer token or X-API-Key.
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An app API key or a JWT' }, 'bearer')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An app API key' }, 'api-key')
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('api-key')
    .build();
  SwaggerModule.setup('api', app, () => SwaggerModule.createDocument(app, openapi), {
    jsonDocumentUrl: 'api/openapi.json',
  });
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  // From here on no app's request or frame stops the gateway for every other one.
  logStrayErrors(log);
  log.info('gateway listening', { url: config.publicUrl, pid: process.pid });
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
