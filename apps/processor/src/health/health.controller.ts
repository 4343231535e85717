import { SQSClient } from '@aws-sdk/client-sqs';
import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { ProcessorConfig } from '@orders/config';
import { probeQueue } from '@orders/messaging';
import { probeHealth } from '@orders/observability';
import { OrdersRepository } from '@orders/persistence';
import { DatabaseGate } from '../consumer/database-gate';
import { Pollers } from '../consumer/pollers';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly pollers: Pollers,
    private readonly gate: DatabaseGate,
    private readonly repository: OrdersRepository,
    private readonly sqs: SQSClient,
    private readonly config: ProcessorConfig,
  ) {}

  /** Fails when a poller is stuck: a restart helps there, unlike with a down database. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.pollersAlive()]);
  }

  /** Ready = polling (not paused, not draining), database pool usable and queue reachable. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.polling(),
      () => probeHealth(this.indicator, 'database', () => this.repository.ping()),
      () =>
        probeHealth(this.indicator, 'sqs', () =>
          probeQueue(this.sqs, this.config.ORDERS_QUEUE_URL, this.config.SQS_REQUEST_TIMEOUT_MS),
        ),
    ]);
  }

  private pollersAlive(): HealthIndicatorResult {
    const check = this.indicator.check('pollers');
    const stuck = this.pollers.stuckPollers();
    return stuck.length === 0 ? check.up({ pollers: this.pollers.count }) : check.down({ stuck });
  }

  private polling(): HealthIndicatorResult {
    const check = this.indicator.check('polling');
    if (this.pollers.isDraining) {
      return check.down({ state: 'draining' });
    }
    return this.gate.isPaused
      ? check.down({ state: 'paused: database unavailable' })
      : check.up({ state: 'polling' });
  }
}
