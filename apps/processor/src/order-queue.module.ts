import { Module } from '@nestjs/common';
import { BatchSettler } from './consumer/batch-settler';
import { DatabaseGate } from './consumer/database-gate';
import { DeadLetterPublisher } from './consumer/dead-letter.publisher';
import { OrderMessageRouter } from './consumer/order-message.router';
import { OrderQueueConsumer } from './consumer/order-queue.consumer';
import { Pollers } from './consumer/pollers';
import { DrainCoordinator } from './lifecycle/drain.coordinator';
import { OrdersMessageController } from './orders/orders.message.controller';
import { OrdersService } from './orders/orders.service';

/**
 * Everything behind the SQS consumers. The SqsModule imports it (its options need the pollers),
 * so it sits deeper than the root module: on shutdown terminus (imported by the root) says
 * `shutting_down` before the drain below begins to wait.
 */
@Module({
  controllers: [OrdersMessageController],
  providers: [
    Pollers,
    DatabaseGate,
    OrderMessageRouter,
    OrderQueueConsumer,
    BatchSettler,
    DeadLetterPublisher,
    OrdersService,
    DrainCoordinator,
  ],
  exports: [Pollers, DatabaseGate, OrderMessageRouter],
})
export class OrderQueueModule {}
