import { Controller, Get } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { down, HealthChecks, HealthResult, up } from '@orders/observability';
import { DlqIntake } from '../intake/dlq.intake';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthChecks,
    private readonly intake: DlqIntake,
    private readonly config: DlqSidecarConfig,
  ) {}

  /** Fails when the intake stopped turning although it is not paused: a restart helps there. */
  @Get('live')
  live() {
    return this.health.check([() => this.intakeTurning()]);
  }

  /** Ready = the DLQ can be read. A paused intake (database down) is reported, not failed: letters wait safely. */
  @Get('ready')
  ready() {
    return this.health.check([() => this.dlqReachable(), () => this.ingestion()]);
  }

  private intakeTurning(): HealthResult {
    const sinceMs = this.intake.millisSinceLastTurn;
    // A turn is one long poll plus recording a batch; only a loop stuck far beyond that fails.
    const limitMs = Math.max(120_000, this.config.DLQ_WAIT_TIME_SECONDS * 1000 * 5);
    return sinceMs <= limitMs
      ? up('intake', { lastTurnMsAgo: sinceMs })
      : down('intake', { lastTurnMsAgo: sinceMs, limitMs });
  }

  private dlqReachable(): HealthResult {
    return this.intake.dlqReachable
      ? up('dlq')
      : down('dlq', { message: 'the last receive from the DLQ failed' });
  }

  private ingestion(): HealthResult {
    const pause = this.intake.paused;
    return up(
      'ingestion',
      pause
        ? { paused: true, since: pause.since.toISOString(), reason: pause.reason }
        : { paused: false },
    );
  }
}
