import { context, propagation, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import {
  inMessageTrace,
  messageContext,
  messageLink,
  processBatchInSpan,
  sendBatchInSpan,
  withTraceContext,
} from './trace-context';

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

describe('batch spans (processBatchInSpan, sendBatchInSpan)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  beforeAll(() => provider.register({ propagator: new W3CTraceContextPropagator() }));
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  const sent = (traceId: string, id: string, traceFlags = TraceFlags.SAMPLED) => ({
    MessageId: id,
    MessageAttributes: context.with(
      trace.setSpanContext(context.active(), { ...span, traceId, traceFlags }),
      () => withTraceContext({}),
    ),
  });

  it('should record a send span for a batch carrying a sampled order, linked to each order', async () => {
    const messages = [
      sent('1'.repeat(32), 'm-1', TraceFlags.NONE),
      sent('2'.repeat(32), 'm-2', TraceFlags.SAMPLED),
    ];

    await sendBatchInSpan(
      'orders',
      messages.map((message) => message.MessageAttributes),
      async () => undefined,
    );

    const [send] = exporter.getFinishedSpans();
    expect(send.name).toBe('send orders');
    expect(send.links.map((link) => link.context.traceId)).toEqual([
      '1'.repeat(32),
      '2'.repeat(32),
    ]);
  });

  it('should record no send span for a batch whose orders nobody samples (nothing exported)', async () => {
    const messages = [
      sent('1'.repeat(32), 'm-1', TraceFlags.NONE),
      sent('2'.repeat(32), 'm-2', TraceFlags.NONE),
    ];
    let sentInTrace: string | undefined = 'not sent';

    await sendBatchInSpan(
      'orders',
      messages.map((message) => message.MessageAttributes),
      async () => (sentInTrace = trace.getActiveSpan()?.spanContext().traceId),
    );

    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(sentInTrace).toBeUndefined();
  });

  it('should continue the trace of a lone message, linked to it', async () => {
    const message = sent(span.traceId, 'm-1');

    await processBatchInSpan('orders', [message], async () => undefined);

    const [processed] = exporter.getFinishedSpans();
    expect(processed.spanContext().traceId).toBe(span.traceId);
    expect(processed.parentSpanContext?.spanId).toBe(span.spanId);
    expect(processed.links.map((link) => link.context.traceId)).toEqual([span.traceId]);
  });

  it('should start its own trace for several messages, linked to each, and log each in its own', async () => {
    const messages = [sent('1'.repeat(32), 'm-1'), sent('2'.repeat(32), 'm-2')];
    const seen: (string | undefined)[] = [];

    await processBatchInSpan('orders', messages, async () => {
      for (const message of messages) {
        inMessageTrace(message, () => seen.push(trace.getActiveSpan()?.spanContext().traceId));
      }
    });

    const [processed] = exporter.getFinishedSpans();
    expect(processed.parentSpanContext).toBeUndefined();
    expect(processed.attributes['messaging.batch.message_count']).toBe(2);
    expect(processed.links.map((link) => link.context.traceId)).toEqual([
      '1'.repeat(32),
      '2'.repeat(32),
    ]);
    expect(seen).toEqual(['1'.repeat(32), '2'.repeat(32)]);
  });
});
