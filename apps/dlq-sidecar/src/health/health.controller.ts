import { Controller, Get } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { down, HealthChecks, HealthResult, up } from '@orders/observability';
import { DlqWatcher } from '../alerting/dlq.watcher';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthChecks,
    private readonly watcher: DlqWatcher,
    private readonly config: DlqSidecarConfig,
  ) {}

  /** Fails when the watch loop stopped turning: a restart helps there, unlike with an unreachable SQS. */
  @Get('live')
  live() {
    return this.health.check([() => this.watchLoopTurning()]);
  }

  /** Ready = the last look at the DLQ worked. The database is optional: without it the sidecar alerts alone. */
  @Get('ready')
  ready() {
    return this.health.check([() => this.dlqReachable()]);
  }

  private watchLoopTurning(): HealthResult {
    const sinceMs = this.watcher.millisSinceLastTick;
    // A round can include a long scan and slow SQS calls; only a loop stuck far beyond that fails.
    const limitMs = Math.max(120_000, this.config.DLQ_POLL_INTERVAL_MS * 10);
    return sinceMs <= limitMs
      ? up('watcher', { lastRoundMsAgo: sinceMs })
      : down('watcher', { lastRoundMsAgo: sinceMs, limitMs });
  }

  private dlqReachable(): HealthResult {
    return this.watcher.dlqReachable
      ? up('dlq')
      : down('dlq', {
          message: 'the last DLQ probe failed (or none has run yet)',
        });
  }
}
