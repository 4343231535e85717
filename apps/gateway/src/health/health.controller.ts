import { SQSClient } from '@aws-sdk/client-sqs';
import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { GatewayConfig } from '@orders/config';
import { probeQueue } from '@orders/messaging';
import { down, HealthChecks, HealthResult, probeHealth, up } from '@orders/observability';
import { ShutdownState } from './shutdown.state';

@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthChecks,
    private readonly shutdown: ShutdownState,
    private readonly sqs: SQSClient,
    private readonly config: GatewayConfig,
  ) {}

  /** The process serves HTTP. Dependencies are not checked: restarting would not fix them. */
  @Get('live')
  live() {
    return this.health.check([]);
  }

  /** Ready = the order queue answers. The database is not needed to accept orders. */
  @Get('ready')
  ready() {
    return this.health.check([() => this.acceptingTraffic(), () => this.queueReachable()]);
  }

  private acceptingTraffic(): HealthResult {
    return this.shutdown.isShuttingDown
      ? down('lifecycle', { state: 'shutting-down' })
      : up('lifecycle', { state: 'running' });
  }

  private queueReachable(): Promise<HealthResult> {
    return probeHealth('sqs', () =>
      probeQueue(this.sqs, this.config.ORDERS_QUEUE_URL, this.config.SQS_REQUEST_TIMEOUT_MS),
    );
  }
}
