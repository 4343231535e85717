import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LevelWithSilent } from 'pino';
import { JsonLogger } from './json.logger';
import { RepeatedLines } from './repeated-lines';

// Probes and scrapes would be most of the lines and tell nothing.
const UNLOGGED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

// Answers summed up by a sampled line of their own (shed load): one line each would cost more
// than the answer and flood the log exactly when the gateway is at its limit.
const summedElsewhere = new WeakSet<FastifyRequest>();

export function leaveOutOfAccessLog(request: FastifyRequest): void {
  summedElsewhere.add(request);
}
// Only these headers are written, never credentials or whatever else a caller or proxy sends.
export const LOGGED_REQUEST_HEADERS = [
  'host',
  'user-agent',
  'content-type',
  'content-length',
  'accept',
  'x-forwarded-for',
  'x-forwarded-proto',
  'traceparent',
] as const;
export const LOGGED_RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'location',
  'retry-after',
  'x-request-id-replaced',
] as const;
/** Longest header value written; longer ones are cut and end in `…`. */
export const MAX_LOGGED_HEADER_LENGTH = 256;
// Answers a client can repeat as fast as it likes without being served: sampled.
const SAMPLED_STATUSES = new Set([401, 429]);

const levelOf = (statusCode: number): LevelWithSilent =>
  statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';

function pick(
  headers: Record<string, unknown>,
  names: readonly string[],
): Record<string, string> | undefined {
  let picked: Record<string, string> | undefined;
  for (const name of names) {
    const raw = headers[name];
    if (raw === undefined) {
      continue;
    }
    const value = Array.isArray(raw) ? raw.join(', ') : String(raw);
    picked ??= {};
    picked[name] =
      value.length > MAX_LOGGED_HEADER_LENGTH
        ? `${value.slice(0, MAX_LOGGED_HEADER_LENGTH - 1)}…`
        : value;
  }
  return picked;
}

/**
 * One access log line per request on the app's own pino (so the same trace ids as every other
 * line), written when the response has gone, with an allowlist of headers, each capped. 401 and
 * 429 lines are sampled: at most 10 of each per 10 s, the next one written counts those left out
 * (`skippedAlike`). The line is built only if its level is enabled: at `warn` a 202 costs nothing.
 */
export function logRequests(
  fastify: FastifyInstance,
  logger: JsonLogger,
  repeated = new RepeatedLines(),
): void {
  const log = logger.pino.child({ context: 'AccessLog' });
  fastify.addHook('onResponse', (request, reply, done) => {
    const level = levelOf(reply.statusCode);
    if (
      log.isLevelEnabled(level) &&
      !UNLOGGED_PATHS.test(request.url) &&
      !summedElsewhere.has(request)
    ) {
      const skipped = SAMPLED_STATUSES.has(reply.statusCode) ? repeated.admit(reply.statusCode) : 0;
      if (skipped !== undefined) {
        log[level](
          {
            req: {
              id: request.id,
              method: request.method,
              url: request.url.slice(0, MAX_LOGGED_HEADER_LENGTH),
              headers: pick(request.headers, LOGGED_REQUEST_HEADERS),
              remoteAddress: request.ip,
            },
            res: {
              statusCode: reply.statusCode,
              headers: pick(reply.getHeaders(), LOGGED_RESPONSE_HEADERS),
            },
            responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
            ...(skipped > 0 ? { skippedAlike: skipped } : {}),
          },
          'request completed',
        );
      }
    }
    done();
  });
}
