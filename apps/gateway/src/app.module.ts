import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { GatewayConfig } from '@orders/config';
import { createSqsClient } from '@orders/messaging';
import { healthChecksModule, MetricsModule, registerPoolMetrics } from '@orders/observability';
import { Registry } from 'prom-client';
import { LoadShedder } from './admission/load-shedder';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator';
import { HealthController } from './health/health.controller';
import { ShutdownState } from './health/shutdown.state';
import { GatewayMetrics } from './metrics/gateway.metrics';
import { HttpExceptionFilter } from './http/http-exception.filter';
import { ContractValidationPipe } from './http/contract-validation.pipe';
import { OrderPublisher } from './orders/order-publisher';
import { OrderStore } from './orders/order-store';
import { OrdersHttpController } from './orders/orders.http.controller';
import { OrdersService } from './orders/orders.service';

@Global()
@Module({})
export class AppModule {
  static register(config: GatewayConfig): DynamicModule {
    const sqs = createSqsClient({
      region: config.AWS_REGION,
      endpoint: config.SQS_ENDPOINT,
      requestTimeoutMs: config.SQS_REQUEST_TIMEOUT_MS,
      // The publisher makes the attempts itself, within SEND_TIMEOUT_MS, knowing which of them
      // may have enqueued (order-publisher.ts); the SDK's hidden retries would blur that.
      maxAttempts: 1,
    });
    return {
      module: AppModule,
      imports: [MetricsModule, healthChecksModule()],
      controllers: [OrdersHttpController, HealthController],
      providers: [
        { provide: GatewayConfig, useValue: config },
        { provide: SQSClient, useValue: sqs },
        {
          // Only GET /orders/:id reads the database; it connects on first use, never at boot.
          provide: OrderStore,
          useFactory: () => new OrderStore(config.databaseConnection('orders-gateway')),
        },
        {
          // Pool saturation of the read path, read at scrape time.
          provide: 'POOL_METRICS',
          inject: [Registry, OrderStore],
          useFactory: (registry: Registry, store: OrderStore) => {
            registerPoolMetrics(registry, () => store.poolStats(), config.DB_POOL_SIZE);
            return registry;
          },
        },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_PIPE, useClass: ContractValidationPipe },
        ApiKeyAuthenticator,
        GatewayMetrics,
        LoadShedder,
        OrderPublisher,
        OrdersService,
        ShutdownState,
      ],
      exports: [GatewayConfig],
    };
  }
}
