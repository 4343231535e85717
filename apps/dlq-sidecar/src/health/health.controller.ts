import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { DlqSidecarConfig } from '@orders/config';
import { DlqWatcher } from '../alerting/dlq.watcher';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly watcher: DlqWatcher,
    private readonly config: DlqSidecarConfig,
  ) {}

  /** Fails when the watch loop stopped turning: a restart helps there, unlike with an unreachable SQS. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.watchLoopTurning()]);
  }

  /** Ready = the last look at the DLQ worked. The database is optional: without it the sidecar alerts alone. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.dlqReachable()]);
  }

  private watchLoopTurning(): HealthIndicatorResult {
    const check = this.indicator.check('watcher');
    const sinceMs = this.watcher.millisSinceLastTick;
    // A round can include a long scan and slow SQS calls; only a loop stuck far beyond that fails.
    const limitMs = Math.max(120_000, this.config.DLQ_POLL_INTERVAL_MS * 10);
    return sinceMs <= limitMs
      ? check.up({ lastRoundMsAgo: sinceMs })
      : check.down({ lastRoundMsAgo: sinceMs, limitMs });
  }

  private dlqReachable(): HealthIndicatorResult {
    const check = this.indicator.check('dlq');
    return this.watcher.dlqReachable
      ? check.up()
      : check.down({
          message: 'the last DLQ probe failed (or none has run yet)',
        });
  }
}
