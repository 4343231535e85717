import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

@Injectable()
export class GatewayMetrics {
  readonly httpSeconds: Histogram<'method' | 'route' | 'status'>;
  readonly ordersAccepted: Counter;
  readonly ordersRejected: Counter<'reason'>;
  readonly enqueueSeconds: Histogram<'outcome'>;
  readonly batchSize: Histogram;
  readonly sqsErrors: Counter;
  readonly ordersShed: Counter<'reason'>;
  readonly inFlightOrders: Gauge;

  constructor(registry: Registry) {
    this.httpSeconds = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.ordersAccepted = new Counter({
      name: 'orders_accepted_total',
      help: 'Orders acknowledged by SQS and answered 202',
      registers: [registry],
    });
    this.ordersRejected = new Counter({
      name: 'orders_rejected_total',
      help: 'Order requests refused, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.enqueueSeconds = new Histogram({
      name: 'orders_enqueue_duration_seconds',
      help: 'Time from handing an order to the producer until SQS acknowledged it',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.batchSize = new Histogram({
      name: 'sqs_send_batch_size',
      help: 'Entries per SendMessageBatch call',
      buckets: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      registers: [registry],
    });
    this.sqsErrors = new Counter({
      name: 'sqs_send_errors_total',
      help: 'Orders that could not be put on the queue',
      registers: [registry],
    });
    this.ordersShed = new Counter({
      name: 'orders_shed_total',
      help: 'Order requests answered 503 at once because the gateway was at a bound, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.inFlightOrders = new Gauge({
      name: 'orders_in_flight_requests',
      help: 'POST /orders requests admitted and not yet answered',
      registers: [registry],
    });
  }
}
