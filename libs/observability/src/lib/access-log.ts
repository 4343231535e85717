import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LevelWithSilent } from 'pino';
import { JsonLogger } from './json.logger';

// Probes and scrapes would be most of the lines and tell nothing.
const UNLOGGED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

// Answers summed up by a sampled line of their own (shed load): one line each would cost more
// than the answer and flood the log exactly when the gateway is at its limit.
const summedElsewhere = new WeakSet<FastifyRequest>();

export function leaveOutOfAccessLog(request: FastifyRequest): void {
  summedElsewhere.add(request);
}

const levelOf = (statusCode: number): LevelWithSilent =>
  statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';

/**
 * One access log line per request on the app's own pino (so the same trace ids and redaction as
 * every other line), written when the response has gone. The line is built only if its level is
 * enabled: at `warn` a 202 costs nothing here.
 */
export function logRequests(fastify: FastifyInstance, logger: JsonLogger): void {
  const log = logger.pino.child({ context: 'AccessLog' });
  fastify.addHook('onResponse', (request, reply, done) => {
    const level = levelOf(reply.statusCode);
    if (
      log.isLevelEnabled(level) &&
      !UNLOGGED_PATHS.test(request.url) &&
      !summedElsewhere.has(request)
    ) {
      log[level](
        {
          req: {
            id: request.id,
            method: request.method,
            url: request.url,
            headers: request.headers,
            remoteAddress: request.ip,
          },
          res: { statusCode: reply.statusCode, headers: reply.getHeaders() },
          responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
        },
        'request completed',
      );
    }
    done();
  });
}
