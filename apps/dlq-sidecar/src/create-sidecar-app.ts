import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { DlqSidecarConfig } from '@orders/config';
import { traceHttpRequests } from '@orders/observability';
import { AppModule } from './app.module';

/** Builds the sidecar exactly as main.ts runs it; tests use the same function. */
export async function createSidecarApp(
  config: DlqSidecarConfig,
  logger: LoggerService | false,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    new FastifyAdapter({ forceCloseConnections: 'idle' }),
    { logger, bufferLogs: logger !== false },
  );
  // First of the hooks, so every log line of a request carries its trace id.
  traceHttpRequests(app.getHttpAdapter().getInstance());
  if (config.doorsOpen()) {
    // Built on the first request for it: the admin API described for the console and for tooling.
    const document = () =>
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('Failed orders (dlq-sidecar admin API)')
          .setDescription(
            'Records of failed orders: read, redrive by plan, edit and retry, discard, triage.',
          )
          .setVersion('1')
          .addBearerAuth()
          .build(),
      );
    SwaggerModule.setup('admin/docs', app, document, {
      jsonDocumentUrl: 'admin/openapi.json',
      swaggerUiEnabled: false,
    });
  }
  return app;
}
