import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { messageContext, messageLink, withTraceContext } from './trace-context';

const span = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};

describe(withTraceContext.name, () => {
  // What the SDK registers; without them the API is a no-op.
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    propagation.disable();
    context.disable();
  });

  it('should write the active span as a traceparent attribute next to the others', () => {
    const attributes = context.with(trace.setSpanContext(context.active(), span), () =>
      withTraceContext({ 'correlation-id': { DataType: 'String', StringValue: 'c-1' } }),
    );

    expect(attributes).toEqual({
      'correlation-id': { DataType: 'String', StringValue: 'c-1' },
      traceparent: {
        DataType: 'String',
        StringValue: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
    });
  });

  it('should read the creation context of a message back as a parent and as a link', () => {
    const message = {
      MessageId: 'm-1',
      MessageAttributes: context.with(trace.setSpanContext(context.active(), span), () =>
        withTraceContext({}),
      ),
    };

    expect(trace.getSpanContext(messageContext(message))).toMatchObject(span);
    expect(messageLink(message)).toEqual({
      context: expect.objectContaining(span),
      attributes: { 'messaging.message.id': 'm-1' },
    });
  });

  it('should add nothing and link nothing when there is no trace context', () => {
    expect(withTraceContext({})).toEqual({});
    expect(messageLink({ MessageId: 'm-2', MessageAttributes: {} })).toBeUndefined();
  });
});
