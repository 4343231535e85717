import type { FastifyInstance } from 'fastify';
import pinoHttp from 'pino-http';
import { JsonLogger } from './json.logger';

// Probes and scrapes would be most of the lines and tell nothing.
const UNLOGGED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * One access log line per request (pino-http on the app's own pino, so the same fields, trace ids
 * and redaction as every other line), with Fastify's request id as `req.id`.
 */
export function logRequests(fastify: FastifyInstance, logger: JsonLogger): void {
  const log = pinoHttp({
    logger: logger.pino.child({ context: 'AccessLog' }),
    genReqId: (request) => (request as { requestId?: string }).requestId ?? '',
    autoLogging: { ignore: (request) => UNLOGGED_PATHS.test(request.url ?? '') },
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    (request.raw as { requestId?: string }).requestId = request.id;
    log(request.raw, reply.raw);
    done();
  });
}
