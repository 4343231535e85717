import { tracing } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, DlqSidecarConfig, loadConfig } from '@orders/config';
import { queueNameOfUrl } from '@orders/messaging';
import { exitGracefullyOnSignals, JsonLogger } from '@orders/observability';
import { createSidecarApp } from './create-sidecar-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(DlqSidecarConfig);
  const logger = new JsonLogger('dlq-sidecar', config.LOG_LEVEL);
  const app = await createSidecarApp(config, logger);
  exitGracefullyOnSignals(app, config.shutdownDeadlineMs(), () => logger.flush(), tracing);
  await app.listen(config.PORT, config.HOST);
  Logger.log(
    {
      msg: 'dlq-sidecar running',
      url: await app.getUrl(),
      dlq: queueNameOfUrl(config.ORDERS_DLQ_URL),
      adminApi: config.doorsOpen(),
      instance: config.INSTANCE_ID,
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
