import { SQSClient } from '@aws-sdk/client-sqs';
import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { GatewayConfig } from '@orders/config';
import { probeQueue } from '@orders/messaging';
import { probeHealth } from '@orders/observability';
import { ShutdownState } from './shutdown.state';

@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly sqs: SQSClient,
    private readonly config: GatewayConfig,
  ) {}

  /** The process serves HTTP. Dependencies are not checked: restarting would not fix them. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Ready = the order queue answers. The database is not needed to accept orders. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.acceptingTraffic(), () => this.queueReachable()]);
  }

  private acceptingTraffic(): HealthIndicatorResult {
    const check = this.indicator.check('lifecycle');
    return this.shutdown.isShuttingDown
      ? check.down({ state: 'shutting-down' })
      : check.up({ state: 'running' });
  }

  private queueReachable(): Promise<HealthIndicatorResult> {
    return probeHealth(this.indicator, 'sqs', () =>
      probeQueue(this.sqs, this.config.ORDERS_QUEUE_URL, this.config.SQS_REQUEST_TIMEOUT_MS),
    );
  }
}
