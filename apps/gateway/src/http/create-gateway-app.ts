import { LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { GatewayConfig } from '@orders/config';
import { REQUEST_ID_REPLACED_HEADER } from '@orders/contracts';
import { JsonLogger, logRequests, traceHttpRequests } from '@orders/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import { installAdmission } from '../admission/admission.hooks';
import { AppModule } from '../app.module';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import type { RateLimitStatus } from '../auth/rate-limiter';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { correlationIdOf, replacedRequestId } from '../request/request-id';
import { SECURITY_HEADERS } from './security-headers';

// The OpenAPI UI lives outside Nest's router; the k8s checks read its path from here.
export const API_DOCS_PATH = 'docs';

/** Builds the gateway exactly as main.ts runs it; tests use the same function. */
export async function createGatewayApp(
  config: GatewayConfig,
  logger: LoggerService | false,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    // The caller's x-request-id is the correlation id if it can be stored as is; else a new one.
    requestIdHeader: false,
    // request.ip: the last X-Forwarded-For entry not written by one of our proxies (proxy-addr);
    // without configured proxies the socket's address, never a header the caller wrote.
    trustProxy: config.TRUSTED_PROXY_CIDRS.length > 0 ? config.TRUSTED_PROXY_CIDRS : false,
    genReqId: correlationIdOf,
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
  // First of the onRequest hooks: authentication, its 401s and their log lines run in the trace.
  traceHttpRequests(fastify);
  if (logger instanceof JsonLogger) {
    logRequests(fastify, logger);
  }
  await configureHttp(app, config);
  return app;
}

async function configureHttp(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
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
      exposedHeaders: [
        'location',
        'x-request-id',
        REQUEST_ID_REPLACED_HEADER,
        'retry-after',
        'ratelimit-limit',
        'ratelimit-remaining',
        'ratelimit-reset',
      ],
    });
  }

  // First of all: an overloaded gateway answers 503 before it hashes a key or reads a body.
  await installAdmission(app, config);
  // Before the body is read: a caller without a valid key costs no parsing, only a hash.
  const authenticator = app.get(ApiKeyAuthenticator);
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done) => {
    if (!request.routeOptions.url?.startsWith('/orders')) {
      done();
      return;
    }
    try {
      authenticator.authenticate(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });

  // Only JSON bodies: anything else gets 415 from Fastify before a handler runs.
  fastify.removeAllContentTypeParsers();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: config.BODY_LIMIT_BYTES },
    (
      request: FastifyRequest,
      body: Buffer,
      done: (error: Error | null, value?: unknown) => void,
    ) => {
      // Decoding would turn bad bytes into U+FFFD silently: the order stored would not be the one sent.
      if (!isUtf8(body)) {
        done(
          Object.assign(new Error('The body is not valid UTF-8'), {
            statusCode: 400,
            code: 'INVALID_UTF8',
          }),
        );
        return;
      }
      void parseJson(request, body.toString('utf8'), done);
    },
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
      void reply.headers(SECURITY_HEADERS).header('x-request-id', request.id);
      const rateLimit = (request as FastifyRequest & { rateLimit?: RateLimitStatus }).rateLimit;
      if (rateLimit) {
        void reply.headers({
          'ratelimit-limit': rateLimit.limit,
          'ratelimit-remaining': rateLimit.remaining,
          'ratelimit-reset': rateLimit.resetSeconds,
        });
      }
      const replaced = replacedRequestId(request);
      if (replaced) {
        void reply.header(REQUEST_ID_REPLACED_HEADER, replaced);
      }
      done(null, payload);
    },
  );

  // Built on the first request for it, not at start: a gateway that is never asked pays nothing.
  const document = () => ({
    ...SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Orders gateway')
        .setDescription('Accepts orders into the queue (202) and reads stored orders back.')
        .setVersion('1')
        .addTag('orders', 'Place orders and read them back')
        // An opaque API key sent as a bearer token, not a JWT.
        .addBearerAuth({
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'API key',
          description: 'The API key as `Authorization: Bearer <key>`',
        })
        .addApiKey(
          {
            type: 'apiKey',
            in: 'header',
            name: 'x-api-key',
            description: 'The API key as `x-api-key: <key>`',
          },
          'api-key',
        )
        .build(),
    ),
    // The same document in every environment: the server is the host that serves it.
    servers: [
      {
        url: '/',
        description: 'This gateway (local, staging or production: the host serving this document)',
        'x-internal': false,
      },
    ],
  });
  SwaggerModule.setup(API_DOCS_PATH, app, document, {
    jsonDocumentUrl: `${API_DOCS_PATH}/openapi.json`,
  });
}
