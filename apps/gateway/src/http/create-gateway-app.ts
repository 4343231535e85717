import helmet from '@fastify/helmet';
import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { GatewayConfig } from '@orders/config';
import { JsonLogger, logRequests, routeOnSpans } from '@orders/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../app.module';
import { GatewayMetrics } from './gateway.metrics';

/** Builds the gateway exactly as main.ts runs it; tests use the same function. */
export async function createGatewayApp(
  config: GatewayConfig,
  logger: LoggerService | false,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Trust the caller's request id for correlation, or make one.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // On close, drop idle keep-alive sockets at once; busy ones finish their request first.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  // bodyParser off: the JSON-only parser below replaces Nest's defaults.
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    adapter,
    { logger, bufferLogs: logger !== false, bodyParser: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  routeOnSpans(fastify);
  if (logger instanceof JsonLogger) {
    logRequests(fastify, logger);
  }
  await configureHttp(app, config);
  return app;
}

async function configureHttp(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // The Swagger UI at /docs needs inline scripts; the API itself serves only JSON.
  await app.register(helmet as never, { contentSecurityPolicy: false } as never);
  if (config.CORS_ORIGINS.length > 0) {
    app.enableCors({
      origin: config.CORS_ORIGINS,
      methods: ['GET', 'POST'],
      allowedHeaders: [
        'content-type',
        'authorization',
        'x-api-key',
        'idempotency-key',
        'x-request-id',
        'traceparent',
      ],
      exposedHeaders: ['location', 'x-request-id', 'retry-after'],
    });
  }

  // Only JSON bodies: anything else gets 415 from Fastify before a handler runs.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: config.BODY_LIMIT_BYTES },
    fastify.getDefaultJsonParser('error', 'error'),
  );

  const metrics = app.get(GatewayMetrics);
  fastify.addHook(
    'onResponse',
    (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      metrics.httpSeconds.observe(
        {
          method: request.method,
          route: request.routeOptions.url ?? 'unmatched',
          status: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      if (
        request.method === 'POST' &&
        reply.statusCode >= 400 &&
        request.routeOptions.url === '/orders'
      ) {
        metrics.ordersRejected.inc({ reason: String(reply.statusCode) });
      }
      done();
    },
  );
  fastify.addHook(
    'onSend',
    (
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (error: null, payload: unknown) => void,
    ) => {
      void reply.header('x-request-id', request.id);
      done(null, payload);
    },
  );

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Orders gateway')
      .setDescription('Accepts orders into the queue (202) and reads stored orders back.')
      .setVersion('1')
      .addBearerAuth()
      .addApiKey({ type: 'apiKey', in: 'header', name: 'x-api-key' }, 'api-key')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}
