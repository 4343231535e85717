import { tracing } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigError, loadConfig, ProcessorConfig } from '@orders/config';
import { exitGracefullyOnSignals, JsonLogger } from '@orders/observability';
import { AppModule } from './app.module';
import { OrderQueueServer } from './consumer/order-queue.server';

async function bootstrap(): Promise<void> {
  const config = loadConfig(ProcessorConfig);
  const logger = new JsonLogger('processor', config.LOG_LEVEL);
  // HTTP only for health and metrics; orders arrive through the SQS transport.
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    new FastifyAdapter(),
    { logger, bufferLogs: true },
  );
  app.connectMicroservice({ strategy: app.get(OrderQueueServer) }, { inheritAppConfig: true });
  exitGracefullyOnSignals(app, config.shutdownDeadlineMs(), () => logger.flush(), tracing);
  await app.startAllMicroservices();
  await app.listen(config.PORT, config.HOST);
  Logger.log(
    {
      msg: 'processor running',
      url: await app.getUrl(),
      pollers: config.POLLERS,
    },
    'Bootstrap',
  );
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
