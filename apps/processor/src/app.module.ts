import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SqsModule } from '@ssut/nestjs-sqs';
import type { SqsOptions } from '@ssut/nestjs-sqs/dist/sqs.types';
import { ProcessorConfig } from '@orders/config';
import { createSqsClient, probeQueue } from '@orders/messaging';
import {
  MetricsModule,
  registerPoolMetrics,
  registerQueueDepthMetrics,
} from '@orders/observability';
import { Registry } from 'prom-client';
import { LazyDataSource, OrdersRepository, ordersDataSourceOptions } from '@orders/persistence';
import { DatabaseGate } from './consumer/database-gate';
import { DEAD_LETTER_PRODUCER, DeadLetterPublisher } from './consumer/dead-letter.publisher';
import { OrderBatchHandler } from './consumer/order-batch.handler';
import { orderPollerClasses } from './consumer/order-pollers';
import { pollerName, PollerRegistry } from './consumer/poller.registry';
import { SqsBridgeServer } from './consumer/sqs-bridge.server';
import { HealthController } from './health/health.controller';
import { DrainCoordinator } from './lifecycle/drain.coordinator';
import { ProcessorMetrics } from './health/processor.metrics';
import { OrderWriter } from './orders/order-writer';
import { OrdersMessageController } from './orders/orders.message.controller';
import { OrdersService } from './orders/orders.service';

/** Shared infrastructure, global so the SQS module's factory can inject the gate and registry. */
@Global()
@Module({})
class ProcessorCoreModule {
  static register(config: ProcessorConfig, bridge: SqsBridgeServer): DynamicModule {
    const sqs = createSqsClient({
      region: config.AWS_REGION,
      endpoint: config.SQS_ENDPOINT,
      requestTimeoutMs: config.SQS_REQUEST_TIMEOUT_MS + config.SQS_WAIT_TIME_SECONDS * 1000,
    });
    const database = new LazyDataSource(
      ordersDataSourceOptions({
        url: config.DATABASE_URL,
        poolSize: config.DB_POOL_SIZE,
        connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
        applicationName: `orders-processor ${config.INSTANCE_ID}`.slice(0, 63),
      }),
    );
    return {
      module: ProcessorCoreModule,
      imports: [MetricsModule],
      providers: [
        { provide: ProcessorConfig, useValue: config },
        { provide: SQSClient, useValue: sqs },
        { provide: LazyDataSource, useValue: database },
        { provide: OrdersRepository, useValue: new OrdersRepository(database) },
        { provide: SqsBridgeServer, useValue: bridge },
        ProcessorMetrics,
        DatabaseGate,
        PollerRegistry,
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
      exports: [
        ProcessorConfig,
        SQSClient,
        LazyDataSource,
        OrdersRepository,
        SqsBridgeServer,
        ProcessorMetrics,
        DatabaseGate,
        PollerRegistry,
      ],
    };
  }
}

function sqsOptions(
  config: ProcessorConfig,
  sqs: SQSClient,
  gate: DatabaseGate,
  registry: PollerRegistry,
): SqsOptions {
  return {
    consumers: Array.from({ length: config.POLLERS }, (_, index) => {
      const name = pollerName(index);
      return {
        name,
        queueUrl: config.ORDERS_QUEUE_URL,
        sqs,
        batchSize: config.SQS_BATCH_SIZE,
        waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
        visibilityTimeout: config.VISIBILITY_TIMEOUT_SECONDS,
        heartbeatInterval: config.HEARTBEAT_INTERVAL_SECONDS,
        pollingWaitTimeMs: 0,
        messageSystemAttributeNames: [
          'ApproximateReceiveCount',
          'ApproximateFirstReceiveTimestamp',
          'SentTimestamp',
        ],
        messageAttributeNames: ['All'],
        preReceiveMessageCallback: async () => {
          registry.pollStarted(name);
          await gate.beforeReceive(registry.isDraining);
        },
      };
    }),
    producers: [{ name: DEAD_LETTER_PRODUCER, queueUrl: config.ORDERS_DLQ_URL, sqs }],
  };
}

@Module({})
export class AppModule {
  static register(config: ProcessorConfig, bridge: SqsBridgeServer): DynamicModule {
    const pollers = orderPollerClasses(config.POLLERS);
    return {
      module: AppModule,
      imports: [
        ProcessorCoreModule.register(config, bridge),
        TerminusModule.forRoot({ logger: false }),
        SqsModule.registerAsync({
          inject: [ProcessorConfig, SQSClient, DatabaseGate, PollerRegistry],
          useFactory: sqsOptions,
        }),
      ],
      controllers: [OrdersMessageController, HealthController],
      providers: [
        OrderBatchHandler,
        DeadLetterPublisher,
        OrderWriter,
        OrdersService,
        DrainCoordinator,
        ...pollers,
      ],
    };
  }
}
