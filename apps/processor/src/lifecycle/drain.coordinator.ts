import { SQSClient } from '@aws-sdk/client-sqs';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { DrainOutcome, OrderQueueServer } from '../consumer/order-queue.server';
import { lingeringHandles } from './open-handles';
import { withinDeadline } from './within-deadline';

// Closing the pool gets at least this long, even when the drain used the whole budget.
const MIN_CLOSE_MS = 500;
// Sockets just closed need a moment to disappear from the event loop.
const HANDLE_SETTLE_MS = 250;

/**
 * The graceful drain on SIGTERM, in the one order that loses nothing: stop receiving, let every
 * batch in flight commit and delete (a batch never outlives HANDLER_TIMEOUT_MS, which is below the
 * budget), close the pool; once Nest has closed the HTTP server, close the SQS client. Afterwards
 * no socket or timer of ours is left, so nothing but the exit remains. It runs before Nest closes
 * the transport, while readiness can still say "draining".
 */
@Injectable()
export class DrainCoordinator implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(DrainCoordinator.name);
  private outcome: DrainOutcome | undefined;
  private startedAt = 0;
  private deadline = 0;

  constructor(
    private readonly pollers: OrderQueueServer,
    private readonly database: LazyDataSource,
    private readonly sqs: SQSClient,
    private readonly config: ProcessorConfig,
  ) {}

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.startedAt = Date.now();
    this.deadline = this.startedAt + this.config.DRAIN_BUDGET_MS;
    const deadline = this.deadline;
    this.logger.log({ msg: 'draining', signal, budgetMs: this.config.DRAIN_BUDGET_MS });
    this.outcome = await this.pollers.drain(deadline);
    if (!this.outcome.drained) {
      this.logger.warn({
        msg: 'drain budget exhausted: these batches reappear after their visibility timeout',
        pollers: this.outcome.unfinished,
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // The HTTP server is closed now, so health checks no longer touch the pool or the queue.
    // A pool with a client stuck on a dead connection would wait forever: stay within the budget.
    const closed = await withinDeadline(
      this.database.close(),
      Math.max(this.deadline, Date.now() + MIN_CLOSE_MS),
    );
    this.sqs.destroy();
    const drainMs = Date.now() - this.startedAt;
    this.logger.log({
      msg: this.outcome?.drained ? 'drained' : 'stopped without a full drain',
      drainMs,
      budgetMs: this.config.DRAIN_BUDGET_MS,
      batchesInFlight: this.outcome?.batchesInFlight ?? 0,
      abortedReceives: this.outcome?.abortedReceives ?? 0,
      poolClosed: closed,
      // What would still keep the process alive without process.exit; expected: nothing.
      openHandles: await lingeringHandles(HANDLE_SETTLE_MS),
    });
  }
}
