import { startTracingFromEnv } from '@orders/observability/tracing';

// main.ts imports this first: the instrumentations patch http, pg and the AWS SDK as they load.
export const tracing = startTracingFromEnv('dlq-sidecar');
