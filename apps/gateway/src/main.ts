import { tracing } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, GatewayConfig, loadConfig } from '@orders/config';
import { exitGracefullyOnSignals, JsonLogger } from '@orders/observability';
import { createGatewayApp } from './http/create-gateway-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig(GatewayConfig);
  const logger = new JsonLogger('gateway', config.LOG_LEVEL);
  const app = await createGatewayApp(config, logger);
  exitGracefullyOnSignals(app, config.shutdownDeadlineMs(), () => logger.flush(), tracing);
  await app.listen(config.PORT, config.HOST);
  Logger.log({ msg: 'gateway listening', url: await app.getUrl() }, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  // Config errors name every bad key; print them plainly and stop.
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
