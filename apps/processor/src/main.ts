import { tracing } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig, ProcessorConfig } from '@orders/config';
import { exitGracefullyOnSignals, JsonLogger } from '@orders/observability';
import { createProcessorApp } from './create-processor-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(ProcessorConfig);
  const logger = new JsonLogger('processor', config.LOG_LEVEL);
  const app = await createProcessorApp(config, { logger, bufferLogs: true });
  exitGracefullyOnSignals(app, config.shutdownDeadlineMs(), () => logger.flush(), tracing);
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
