import underPressure, {
  FastifyUnderPressureOptions,
  TYPE_HEAP_USED_BYTES,
} from '@fastify/under-pressure';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayConfig } from '@orders/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { getHeapStatistics } from 'node:v8';
import { LoadShedder } from './load-shedder';

const SAMPLE_INTERVAL_MS = 250;

const isOrderRoute = (request: FastifyRequest) =>
  request.routeOptions.url?.startsWith('/orders') === true;

/**
 * Admission before anything else runs for a request (no body read, no key hashed): the bound on
 * held work for POST /orders, and @fastify/under-pressure's event-loop and heap checks for the
 * order routes. Health, metrics and docs are never shed: a busy replica must not look dead.
 */
export async function installAdmission(
  app: NestFastifyApplication,
  config: GatewayConfig,
): Promise<void> {
  const shedder = app.get(LoadShedder);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST' || request.routeOptions.url !== '/orders') {
      done();
      return;
    }
    const declared = Number(request.headers['content-length']);
    const bytes =
      Number.isInteger(declared) && declared >= 0
        ? Math.min(declared, config.BODY_LIMIT_BYTES)
        : config.BODY_LIMIT_BYTES;
    const refused = shedder.admit(bytes);
    if (refused) {
      void reply.send(shedder.shed(request, reply, refused));
      return;
    }
    // 'close' comes once, whether the answer was sent or the client went away first.
    reply.raw.once('close', () => shedder.release(bytes));
    done();
  });
  // The first samples measure the start-up's own work (module loading, compiling), not load.
  let warmUntil = Infinity;
  fastify.addHook('onReady', (done) => {
    warmUntil = Date.now() + 2 * SAMPLE_INTERVAL_MS;
    done();
  });
  await app.register(underPressure, {
    sampleInterval: SAMPLE_INTERVAL_MS,
    maxEventLoopDelay: config.SHED_EVENT_LOOP_DELAY_MS,
    // A share of V8's limit, which the heap flag sizes from the container's memory limit.
    maxHeapUsedBytes: Math.floor(
      (getHeapStatistics().heap_size_limit * config.SHED_HEAP_USED_PERCENT) / 100,
    ),
    // under-pressure sends what the handler returns and lets the request pass on undefined; its
    // types say void. Sending here instead would let the request run on: `sent` is false until
    // the answer is written.
    pressureHandler: ((request: FastifyRequest, reply: FastifyReply, type: string) => {
      const heap = type === TYPE_HEAP_USED_BYTES;
      if (!isOrderRoute(request) || (!heap && Date.now() < warmUntil)) {
        return undefined;
      }
      return shedder.shed(request, reply, heap ? 'heap' : 'event_loop');
    }) as unknown as FastifyUnderPressureOptions['pressureHandler'],
  });
}
