import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { DlqSidecarConfig } from '@orders/config';
import { DlqIntake } from '../intake/dlq.intake';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly intake: DlqIntake,
    private readonly config: DlqSidecarConfig,
  ) {}

  /** Fails when the intake stopped turning although it is not paused: a restart helps there. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.intakeTurning()]);
  }

  /** Ready = the DLQ can be read. A paused intake (database down) is reported, not failed: letters wait safely. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.dlqReachable(), () => this.ingestion()]);
  }

  private intakeTurning(): HealthIndicatorResult {
    const check = this.indicator.check('intake');
    const sinceMs = this.intake.millisSinceLastTurn;
    // A turn is one long poll plus recording a batch; only a loop stuck far beyond that fails.
    const limitMs = Math.max(120_000, this.config.DLQ_WAIT_TIME_SECONDS * 1000 * 5);
    return sinceMs <= limitMs
      ? check.up({ lastTurnMsAgo: sinceMs })
      : check.down({ lastTurnMsAgo: sinceMs, limitMs });
  }

  private dlqReachable(): HealthIndicatorResult {
    const check = this.indicator.check('dlq');
    return this.intake.dlqReachable
      ? check.up()
      : check.down({ message: 'the last receive from the DLQ failed' });
  }

  private ingestion(): HealthIndicatorResult {
    const pause = this.intake.paused;
    return this.indicator
      .check('ingestion')
      .up(
        pause
          ? { paused: true, since: pause.since.toISOString(), reason: pause.reason }
          : { paused: false },
      );
  }
}
