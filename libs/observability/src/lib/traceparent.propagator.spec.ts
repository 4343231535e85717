import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  TraceState,
} from '@opentelemetry/api';
import { TraceState as W3CTraceState } from '@opentelemetry/core';
import { REQUEST_HEADERS } from '@orders/contracts';
import { TRACEPARENT_PATTERN, TraceparentPropagator } from './traceparent.propagator';

const propagator = new TraceparentPropagator();
const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

const extracted = (headers: Record<string, string>) =>
  trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter));

describe(TraceparentPropagator.name, () => {
  it('should check the same pattern as the gateway header contract', () => {
    expect(TRACEPARENT_PATTERN.source).toBe(REQUEST_HEADERS.traceparent.pattern);
  });

  it('should continue a version-00 traceparent and drop the caller tracestate', () => {
    expect(extracted({ traceparent: VALID, tracestate: 'vendor=secret' })).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
  });

  it.each([
    ['a future version', `01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra`],
    ['upper case', VALID.toUpperCase()],
    ['surrounding space', ` ${VALID}`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['garbage', 'garbage'],
  ])('should start a new trace for %s', (_, traceparent) => {
    expect(extracted({ traceparent })).toBeUndefined();
  });

  it('should write the traceparent only, never a tracestate', () => {
    const context = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      traceState: new W3CTraceState('vendor=value') as TraceState,
    });
    const carrier: Record<string, string> = {};

    propagator.inject(context, carrier, defaultTextMapSetter);

    expect(carrier).toEqual({ traceparent: VALID });
    expect(propagator.fields()).toEqual(['traceparent']);
  });
});
