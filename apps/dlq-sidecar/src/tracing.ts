import { startTracingFromEnv } from '@orders/observability/tracing';

// main.ts imports this first: the instrumentations patch pg and the AWS SDK as they load. HTTP
// server spans come from Fastify hooks (traceHttpRequests in create-sidecar-app.ts): an admin
// caller's traceparent is a link, so it chooses neither our trace ids nor sampling.
export const tracing = startTracingFromEnv('dlq-sidecar', {
  httpServerSpans: 'fastify',
  awsSdkSpans: true,
});
