import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

/** A dependency check for /health/ready: up when the probe resolves, down with its error otherwise. */
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
