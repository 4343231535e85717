// A separate entry point (`@orders/observability/tracing`) that loads nothing but OpenTelemetry:
// an app imports it before anything else, so http, pg and the AWS SDK are patched when they load.
import { ConfigError, loadConfig, TracingConfig } from '@orders/config';
import type { Tracing, TracingOptions } from './lib/start-tracing';

export type { Tracing, TracingOptions } from './lib/start-tracing';

/**
 * Starts tracing from the OTEL_* variables. A bad value leaves tracing off here: the app's own
 * config load reports it with every other bad key and stops the app.
 */
export function startTracingFromEnv(
  service: string,
  options: TracingOptions = {},
): Tracing | undefined {
  let config: TracingConfig;
  try {
    config = loadConfig(TracingConfig);
  } catch (error) {
    if (error instanceof ConfigError) {
      return undefined;
    }
    throw error;
  }
  if (config.OTEL_SDK_DISABLED) {
    return undefined;
  }
  // Required here, not imported above: with the SDK disabled none of it loads (start-up time and
  // memory), and it must load synchronously, before the app's own modules, to patch them.
  const { startTracing } = require('./lib/start-tracing') as typeof import('./lib/start-tracing');
  return startTracing(service, config, options);
}
