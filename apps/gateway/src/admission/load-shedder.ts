import { Injectable, Logger } from '@nestjs/common';
import { GatewayConfig } from '@orders/config';
import { leaveOutOfAccessLog } from '@orders/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import { OrderPublisher } from '../orders/order-publisher';
import { retryAfterSeconds } from './retry-after';

export type ShedReason = 'in_flight' | 'bytes' | 'queued' | 'event_loop' | 'heap';

export interface ShedBody {
  statusCode: 503;
  error: string;
  code: 'OVERLOADED';
  message: string;
}

// One summary line per interval at most, however many requests are shed.
const LOG_INTERVAL_MS = 10_000;

/**
 * Bounds the work the gateway holds: order requests admitted and not yet answered, their bytes,
 * and the orders the producer still holds. Past a bound, or when @fastify/under-pressure reports
 * event-loop delay or heap pressure, an order request gets 503 before its body is read.
 */
@Injectable()
export class LoadShedder {
  private readonly logger = new Logger(LoadShedder.name);
  private requests = 0;
  private bytes = 0;
  private shedSinceLog: Partial<Record<ShedReason, number>> = {};
  private lastLogAt = 0;

  constructor(
    private readonly config: GatewayConfig,
    private readonly publisher: OrderPublisher,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Admits a request of this many bytes (release them when its answer is done), or names why not. */
  admit(bytes: number): ShedReason | undefined {
    if (this.requests >= this.config.MAX_IN_FLIGHT_ORDERS) {
      return 'in_flight';
    }
    if (this.bytes + bytes > this.config.MAX_IN_FLIGHT_BYTES) {
      return 'bytes';
    }
    // Orders whose requests were already answered (deadline) can still sit in a SendMessageBatch.
    if (this.publisher.outstanding >= this.config.MAX_IN_FLIGHT_ORDERS) {
      return 'queued';
    }
    this.requests += 1;
    this.bytes += bytes;
    this.metrics.inFlightOrders.inc();
    return undefined;
  }

  release(bytes: number): void {
    this.requests -= 1;
    this.bytes -= bytes;
    this.metrics.inFlightOrders.dec();
  }

  /** Shapes the 503 on `reply` and returns its body, for the caller to send at once. */
  shed(request: FastifyRequest, reply: FastifyReply, reason: ShedReason): ShedBody {
    this.metrics.ordersShed.inc({ reason });
    leaveOutOfAccessLog(request);
    this.shedSinceLog[reason] = (this.shedSinceLog[reason] ?? 0) + 1;
    const now = Date.now();
    if (now - this.lastLogAt >= LOG_INTERVAL_MS) {
      this.logger.warn({
        msg: 'shedding order requests: the gateway is at its bound',
        shedSinceLastLine: this.shedSinceLog,
        inFlightRequests: this.requests,
        inFlightBytes: this.bytes,
        producerOrders: this.publisher.outstanding,
      });
      this.shedSinceLog = {};
      this.lastLogAt = now;
    }
    void reply
      .code(503)
      .header('Retry-After', String(retryAfterSeconds(this.config.RETRY_AFTER_SECONDS)))
      .header('Content-Type', 'application/json; charset=utf-8');
    return {
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'OVERLOADED',
      message: 'The gateway is at capacity; nothing was accepted. Retry after Retry-After seconds',
    };
  }
}
