import { startTracingFromEnv } from '@orders/observability/tracing';

// main.ts imports this first, before anything it traces loads. HTTP server spans come from two
// Fastify hooks (traceHttpRequests in create-gateway-app.ts), sampled before anything is built.
export const tracing = startTracingFromEnv('gateway', { httpServerSpans: 'fastify' });
