import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  InMemorySpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  Sampler,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import Fastify from 'fastify';
import { traceHttpRequests } from './http-server-spans';
import { idsOnlyTracer } from './ids-only.tracer';

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

/** A Fastify app traced by the hooks, whose handler answers with the trace it ran in. */
async function tracedApp(sampler: Sampler, idsOnly = false) {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    sampler,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  provider.register();
  const app = Fastify();
  traceHttpRequests(app, idsOnly ? idsOnlyTracer : provider.getTracer('test'));
  const activeTrace = () => trace.getActiveSpan()?.spanContext().traceId ?? null;
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    // The body is read after the hooks: the handler must still run in the request's context.
    setImmediate(() => done(null, JSON.parse(String(body)))),
  );
  app.post('/orders', async (_request, reply) => reply.code(202).send({ traceId: activeTrace() }));
  app.get('/health/live', async () => ({ traceId: activeTrace() }));
  await app.ready();
  return { app, exporter, provider };
}

describe(traceHttpRequests.name, () => {
  afterEach(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('should record a server span named by route, with the status, and run the handler in it', async () => {
    const { app, exporter, provider } = await tracedApp(new AlwaysOnSampler());

    const response = await app.inject({ method: 'POST', url: '/orders?x=1', payload: {} });
    await provider.forceFlush();

    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({
      name: 'POST /orders',
      kind: SpanKind.SERVER,
      attributes: expect.objectContaining({
        'http.request.method': 'POST',
        'http.route': '/orders',
        'url.path': '/orders',
        'http.response.status_code': 202,
      }),
    });
    expect(response.json()).toEqual({ traceId: span.spanContext().traceId });
    await app.close();
  });

  it("should start a new trace for a caller's traceparent and keep the caller's span as a link", async () => {
    const { app, exporter, provider } = await tracedApp(new AlwaysOnSampler());

    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      payload: {},
    });
    await provider.forceFlush();

    const [span] = exporter.getFinishedSpans();
    expect(span.spanContext().traceId).not.toBe(CALLER_TRACE);
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.links.map((link) => link.context)).toEqual([
      expect.objectContaining({ traceId: CALLER_TRACE, spanId: CALLER_SPAN }),
    ]);
    expect(response.json()).toEqual({ traceId: span.spanContext().traceId });
    await app.close();
  });

  it("should not let a caller's sampled flag force a span that the sampler does not record", async () => {
    const { app, exporter, provider } = await tracedApp(
      new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    );

    const response = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      payload: {},
    });
    await provider.forceFlush();

    expect(exporter.getFinishedSpans()).toEqual([]);
    // Nothing recorded, yet the request has a trace id of its own for its log lines and messages.
    const { traceId } = response.json() as { traceId: string };
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(traceId).not.toBe(CALLER_TRACE);
    await app.close();
  });

  it('should give every request a new trace id of its own when nothing is recorded (ids only)', async () => {
    const { app, exporter, provider } = await tracedApp(new AlwaysOffSampler(), true);

    const traceIds: string[] = [];
    for (let index = 0; index < 3; index++) {
      const response = await app.inject({
        method: 'POST',
        url: '/orders',
        headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
        payload: {},
      });
      traceIds.push((response.json() as { traceId: string }).traceId);
    }
    await provider.forceFlush();

    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(traceIds).toEqual(Array(3).fill(expect.stringMatching(/^[0-9a-f]{32}$/)));
    expect(new Set([...traceIds, CALLER_TRACE]).size).toBe(4);
    await app.close();
  });

  it('should leave probes untraced', async () => {
    const { app, exporter, provider } = await tracedApp(new AlwaysOnSampler());

    const response = await app.inject({ method: 'GET', url: '/health/live' });
    await provider.forceFlush();

    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(response.json()).toEqual({ traceId: null });
    await app.close();
  });
});
