import { DynamicModule } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';

/**
 * @nestjs/terminus for an app's /health routes: 200 `{ status: 'ok', info, error, details }`, 503
 * with the same body when a check is down (`status: 'error'`, logged as one JSON line that names
 * every down check and its cause), and 503 `shutting_down` once terminus's own shutdown hook has
 * run. Nest runs beforeApplicationShutdown hooks from the root module down: a wait in a module
 * above this one (the gateway's readiness delay) still answers `error`, with its own down check;
 * one in a deeper module (the processor's drain) answers `shutting_down`.
 */
export function healthChecksModule(): DynamicModule {
  return TerminusModule.forRoot({ errorLogStyle: 'json' });
}

/** A dependency check: up when the probe resolves, down with its error otherwise. */
export async function probeHealth(
  indicator: HealthIndicatorService,
  key: string,
  probe: () => Promise<unknown>,
): Promise<HealthIndicatorResult> {
  const check = indicator.check(key);
  try {
    await probe();
    return check.up();
  } catch (error) {
    return check.down({ message: error instanceof Error ? error.message : String(error) });
  }
}
