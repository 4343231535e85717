import { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

// The gateway's header contract (REQUEST_HEADERS.traceparent in @orders/contracts, which this
// entry point must not load: it pulls in http before the instrumentation can patch it).
export const TRACEPARENT_PATTERN = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;
const TRACEPARENT = 'traceparent';

const w3c = new W3CTraceContextPropagator();
const onlyTraceparent: TextMapGetter<string> = {
  keys: () => [TRACEPARENT],
  get: (value, key) => (key === TRACEPARENT ? value : undefined),
};

/**
 * W3C Trace Context restricted to what the header contract admits: a version-00 `traceparent`, and
 * no `tracestate` in either direction (a caller's tracestate is not part of the contract, and each
 * message spends one of SQS's 10 attributes on trace context, no more). Anything else starts a new trace.
 */
export class TraceparentPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const written: Record<string, string> = {};
    w3c.inject(context, written, {
      set: (target: Record<string, string>, key, value) => (target[key] = value),
    });
    if (written[TRACEPARENT]) {
      setter.set(carrier, TRACEPARENT, written[TRACEPARENT]);
    }
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, TRACEPARENT);
    const value = Array.isArray(raw) ? raw[0] : raw;
    return value && TRACEPARENT_PATTERN.test(value)
      ? w3c.extract(context, value, onlyTraceparent)
      : context;
  }

  fields(): string[] {
    return [TRACEPARENT];
  }
}
