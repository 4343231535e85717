import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DlqSidecarConfig } from '@orders/config';
import { AppModule } from './app.module';

/** Builds the sidecar exactly as main.ts runs it; tests use the same function. */
export function createSidecarApp(
  config: DlqSidecarConfig,
  logger: LoggerService | false,
): Promise<NestFastifyApplication> {
  return NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    new FastifyAdapter({ forceCloseConnections: 'idle' }),
    {
      logger,
      bufferLogs: logger !== false,
    },
  );
}
