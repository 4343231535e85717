import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { FastifyInstance } from 'fastify';

/**
 * Hands the matched route to the HTTP server span, which is then named `POST /orders` and carries
 * `http.route` (the semantic conventions' low-cardinality name) instead of a bare `POST`.
 */
export function routeOnSpans(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const metadata = getRPCMetadata(context.active());
    if (metadata?.type === RPCType.HTTP) {
      metadata.route = request.routeOptions.url ?? 'unmatched';
    }
    done();
  });
}
