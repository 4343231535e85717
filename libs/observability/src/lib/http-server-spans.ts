import {
  context,
  Link,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  Tracer,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TRACEPARENT_PATTERN } from './traceparent.propagator';

// Probes and scrapes every few seconds would drown the traces that matter.
export const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

const SPAN = Symbol('http server span');
type TracedRequest = FastifyRequest & { [SPAN]?: Span };

// Only startSpan is used: the SDK's tracer, or ids alone while nothing is exported.
type ServerSpanTracer = Pick<Tracer, 'startSpan'>;

let serverTracer: ServerSpanTracer | undefined;

/** Called by startTracing for an app whose HTTP server spans come from traceHttpRequests. */
export function useHttpServerSpans(tracer: ServerSpanTracer | undefined): void {
  serverTracer = tracer;
}

/**
 * HTTP server spans from two Fastify hooks, in place of the http instrumentation (which builds
 * every attribute, binds the request and response emitters and records metrics for each request,
 * sampled or not: a third of the gateway's CPU per order). Here the sampler decides first, and only
 * a recorded span gets attributes. Every request is a new trace: a caller's valid `traceparent`
 * becomes a link, so callers neither choose our trace ids nor force export. Does nothing unless
 * tracing started with `httpServerSpans: 'fastify'`.
 */
export function traceHttpRequests(
  fastify: FastifyInstance,
  tracer: ServerSpanTracer | undefined = serverTracer,
): void {
  if (tracer === undefined) {
    return;
  }
  fastify.addHook('onRequest', (request: TracedRequest, _reply, done) => {
    if (UNTRACED_PATHS.test(request.url)) {
      done();
      return;
    }
    const route = request.routeOptions.url;
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      { kind: SpanKind.SERVER },
      ROOT_CONTEXT,
    );
    if (span.isRecording()) {
      span.setAttributes({
        'http.request.method': request.method,
        'http.route': route ?? 'unmatched',
        'url.scheme': request.protocol,
        'url.path': request.url.split('?', 1)[0],
        'network.protocol.version': request.raw.httpVersion,
      });
      const link = callerLink(request.headers.traceparent);
      if (link) {
        span.addLink(link);
      }
    }
    request[SPAN] = span;
    // Fastify binds body parsing to the async context it starts in, so the handler runs in this one.
    context.with(trace.setSpan(ROOT_CONTEXT, span), done);
  });
  fastify.addHook('onResponse', (request: TracedRequest, reply, done) => {
    const span = request[SPAN];
    if (span?.isRecording()) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span?.end();
    done();
  });
  // A caller that hung up gets no onResponse; its span still ends.
  fastify.addHook('onRequestAbort', (request: TracedRequest, done) => {
    request[SPAN]?.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' }).end();
    done();
  });
}

function callerLink(header: string | string[] | undefined): Link | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || !TRACEPARENT_PATTERN.test(value)) {
    return undefined;
  }
  const [, traceId, spanId, flags] = value.split('-');
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) {
    return undefined;
  }
  return {
    context: { traceId, spanId, traceFlags: parseInt(flags, 16), isRemote: true },
    attributes: { 'link.reason': 'caller' },
  };
}
