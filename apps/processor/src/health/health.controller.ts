import { SQSClient } from '@aws-sdk/client-sqs';
import { Controller, Get } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { probeQueue } from '@orders/messaging';
import { down, HealthChecks, HealthResult, probeHealth, up } from '@orders/observability';
import { OrdersRepository } from '@orders/persistence';
import { DatabaseGate } from '../consumer/database-gate';
import { OrderQueueServer } from '../consumer/order-queue.server';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthChecks,
    private readonly pollers: OrderQueueServer,
    private readonly gate: DatabaseGate,
    private readonly repository: OrdersRepository,
    private readonly sqs: SQSClient,
    private readonly config: ProcessorConfig,
  ) {}

  /** Fails when a poller is stuck: a restart helps there, unlike with a down database. */
  @Get('live')
  live() {
    return this.health.check([() => this.pollersAlive()]);
  }

  /** Ready = polling (not paused, not draining), database and queue reachable. */
  @Get('ready')
  ready() {
    return this.health.check([
      () => this.polling(),
      () => this.databaseReachable(),
      () => this.queueReachable(),
    ]);
  }

  private pollersAlive(): HealthResult {
    const stuck = this.pollers.stuckPollers();
    return stuck.length === 0
      ? up('pollers', { pollers: this.config.POLLERS })
      : down('pollers', { stuck });
  }

  private polling(): HealthResult {
    if (this.pollers.isDraining) {
      return down('polling', { state: 'draining' });
    }
    return this.gate.isPaused
      ? down('polling', { state: 'paused: database unavailable' })
      : up('polling', { state: 'polling' });
  }

  private databaseReachable(): Promise<HealthResult> {
    return probeHealth('database', () => this.repository.ping());
  }

  private queueReachable(): Promise<HealthResult> {
    return probeHealth('sqs', () =>
      probeQueue(this.sqs, this.config.ORDERS_QUEUE_URL, this.config.SQS_REQUEST_TIMEOUT_MS),
    );
  }
}
