import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamicModule, Module } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { createSqsClient, probeQueue } from '@orders/messaging';
import {
  healthChecksModule,
  MetricsModule,
  registerPoolMetrics,
  registerQueueDepthMetrics,
} from '@orders/observability';
import { LazyDataSource, OrdersRepository } from '@orders/persistence';
import { SqsModule } from '@ssut/nestjs-sqs';
import { Registry } from 'prom-client';
import { orderQueueConsumers } from './consumer/order-queue.consumers';
import { Pollers } from './consumer/pollers';
import { HealthController } from './health/health.controller';
import { ProcessorMetrics } from './metrics/processor.metrics';
import { OrderQueueModule } from './order-queue.module';

@Module({})
export class AppModule {
  static register(config: ProcessorConfig): DynamicModule {
    const sqs = createSqsClient({
      region: config.AWS_REGION,
      endpoint: config.SQS_ENDPOINT,
      requestTimeoutMs: config.SQS_REQUEST_TIMEOUT_MS + config.SQS_WAIT_TIME_SECONDS * 1000,
    });
    const database = new LazyDataSource(
      config.databaseConnection(`orders-processor ${config.INSTANCE_ID}`),
    );
    return {
      module: AppModule,
      // Config, clients, repository and metrics for the queue module below.
      global: true,
      imports: [
        MetricsModule,
        healthChecksModule(),
        SqsModule.registerAsync({
          imports: [OrderQueueModule],
          inject: [Pollers],
          useFactory: (pollers: Pollers) => orderQueueConsumers(config, sqs, pollers),
        }),
        OrderQueueModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: ProcessorConfig, useValue: config },
        { provide: SQSClient, useValue: sqs },
        { provide: LazyDataSource, useValue: database },
        { provide: OrdersRepository, useValue: new OrdersRepository(database) },
        ProcessorMetrics,
        {
          // Read at scrape time: pool saturation, and the queue's depth as SQS counts it.
          provide: 'RESOURCE_METRICS',
          inject: [Registry],
          useFactory: (registry: Registry) => {
            registerPoolMetrics(registry, () => database.poolStats(), config.DB_POOL_SIZE);
            registerQueueDepthMetrics(registry, () =>
              probeQueue(sqs, config.ORDERS_QUEUE_URL, config.SQS_REQUEST_TIMEOUT_MS),
            );
            return registry;
          },
        },
      ],
      exports: [ProcessorConfig, SQSClient, LazyDataSource, OrdersRepository, ProcessorMetrics],
    };
  }
}
