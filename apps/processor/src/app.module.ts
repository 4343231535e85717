import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamicModule, Module } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { createSqsClient, probeQueue } from '@orders/messaging';
import {
  HealthChecks,
  MetricsModule,
  registerPoolMetrics,
  registerQueueDepthMetrics,
} from '@orders/observability';
import { LazyDataSource, OrdersRepository } from '@orders/persistence';
import { Registry } from 'prom-client';
import { BatchSettler } from './consumer/batch-settler';
import { DatabaseGate } from './consumer/database-gate';
import { DeadLetterPublisher } from './consumer/dead-letter.publisher';
import { OrderQueueServer } from './consumer/order-queue.server';
import { HealthController } from './health/health.controller';
import { DrainCoordinator } from './lifecycle/drain.coordinator';
import { ProcessorMetrics } from './metrics/processor.metrics';
import { OrdersMessageController } from './orders/orders.message.controller';
import { OrdersService } from './orders/orders.service';

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
      imports: [MetricsModule],
      controllers: [OrdersMessageController, HealthController],
      providers: [
        { provide: ProcessorConfig, useValue: config },
        { provide: SQSClient, useValue: sqs },
        HealthChecks,
        { provide: LazyDataSource, useValue: database },
        { provide: OrdersRepository, useValue: new OrdersRepository(database) },
        ProcessorMetrics,
        OrderQueueServer,
        BatchSettler,
        DeadLetterPublisher,
        DatabaseGate,
        OrdersService,
        DrainCoordinator,
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
    };
  }
}
