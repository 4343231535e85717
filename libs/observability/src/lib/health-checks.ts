import { BeforeApplicationShutdown, Injectable, ServiceUnavailableException } from '@nestjs/common';

export type HealthState = { status: 'up' | 'down' } & Record<string, unknown>;
/** One named result: `{ sqs: { status: 'up' } }`. */
export type HealthResult = Record<string, HealthState>;
export type HealthCheck = () => HealthResult | Promise<HealthResult>;

export const up = (key: string, details: Record<string, unknown> = {}): HealthResult => ({
  [key]: { status: 'up', ...details },
});
export const down = (key: string, details: Record<string, unknown> = {}): HealthResult => ({
  [key]: { status: 'down', ...details },
});

/** A dependency check: up when the probe resolves, down with its error otherwise. */
export async function probeHealth(
  key: string,
  probe: () => Promise<unknown>,
): Promise<HealthResult> {
  try {
    await probe();
    return up(key);
  } catch (error) {
    return down(key, { message: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * The /health answers: all checks at once, 200 `{ status: 'ok', info, error, details }` when every
 * one is up, 503 with the same body otherwise (`status: 'error'`), and 503 `shutting_down` from
 * the moment shutdown begins, so probes take the pod out before its server closes.
 */
@Injectable()
export class HealthChecks implements BeforeApplicationShutdown {
  private shuttingDown = false;

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  async check(checks: HealthCheck[]) {
    const results = await Promise.all(checks.map((check) => check()));
    const details: HealthResult = Object.assign({}, ...results);
    const entries = Object.entries(details);
    const pick = (status: HealthState['status']) =>
      Object.fromEntries(entries.filter(([, state]) => state.status === status));
    const error = pick('down');
    const answer = {
      status: this.shuttingDown ? 'shutting_down' : Object.keys(error).length > 0 ? 'error' : 'ok',
      info: pick('up'),
      error,
      details,
    };
    if (answer.status !== 'ok') {
      throw new ServiceUnavailableException(answer);
    }
    return answer;
  }
}
