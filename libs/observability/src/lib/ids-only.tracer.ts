import { Span, trace, TraceFlags, Tracer } from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-node';

const ids = new RandomIdGenerator();

/**
 * The gateway's server spans while nothing is exported: a new trace id and span id for the logs
 * and the messages, and nothing else. The SDK's tracer would ask the (always-off) sampler and build
 * its non-recording span through the same checks for every request.
 */
export const idsOnlyTracer: Pick<Tracer, 'startSpan'> = {
  startSpan: (): Span =>
    trace.wrapSpanContext({
      traceId: ids.generateTraceId(),
      spanId: ids.generateSpanId(),
      traceFlags: TraceFlags.NONE,
    }),
};
