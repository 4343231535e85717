import { SQSClient } from '@aws-sdk/client-sqs';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import { SqsService } from '@ssut/nestjs-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { BatchSettler } from '../consumer/batch-settler';
import { OrderMessageRouter } from '../consumer/order-message.router';
import { Pollers } from '../consumer/pollers';
import { lingeringHandles } from './open-handles';
import { withinDeadline } from './within-deadline';

// At most this long before the drain deadline, batches still running are cut off.
const CUTOFF_MARGIN_MS = 2_000;
// Closing the pool gets at least this long, even when the drain used the whole budget.
const MIN_CLOSE_MS = 500;
// Sockets just closed need a moment to disappear from the event loop.
const HANDLE_SETTLE_MS = 250;

/**
 * The graceful drain on SIGTERM, in the one order that loses nothing. @ssut/nestjs-sqs stops its
 * consumers in its onModuleDestroy without waiting (and never aborts: see the consumer options);
 * here no receive may start any more, then every batch in flight is waited for until it is
 * committed and its deletes have returned (a batch never outlives HANDLER_TIMEOUT_MS, and one
 * still running near the deadline is handed back); a long poll already sent is waited out, its
 * messages handed back at once. Then the pool closes and, once Nest has closed the HTTP server,
 * the SQS client. Afterwards no socket or timer of ours is left.
 */
@Injectable()
export class DrainCoordinator
  implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger(DrainCoordinator.name);
  private startedAt = 0;
  private deadline = 0;
  private batchesInFlight = 0;
  private drained = false;

  constructor(
    private readonly pollers: Pollers,
    private readonly router: OrderMessageRouter,
    private readonly settler: BatchSettler,
    private readonly sqsService: SqsService,
    private readonly database: LazyDataSource,
    private readonly sqs: SQSClient,
    private readonly config: ProcessorConfig,
  ) {}

  onModuleDestroy(): void {
    this.startedAt = Date.now();
    this.deadline = this.startedAt + this.config.DRAIN_BUDGET_MS;
    this.batchesInFlight = this.pollers.handling().length;
    this.pollers.drain();
    for (const { instance } of this.sqsService.consumers.values()) {
      instance.stop({ abort: false });
    }
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log({ msg: 'draining', signal, budgetMs: this.config.DRAIN_BUDGET_MS });
    const settleMs = Math.min(CUTOFF_MARGIN_MS, Math.round((this.deadline - Date.now()) / 5));
    const cutoff = setTimeout(
      () => this.router.cutOff(),
      Math.max(0, this.deadline - settleMs - Date.now()),
    );
    const consumers = [...this.sqsService.consumers.values()].map(({ instance }) => instance);
    while (consumers.some((consumer) => consumer.status.isPolling) && Date.now() < this.deadline) {
      await sleep(20);
    }
    clearTimeout(cutoff);
    await this.settler.flushDeletes();
    const unfinished = this.pollers.handling();
    this.drained = unfinished.length === 0;
    if (!this.drained) {
      this.logger.warn({
        msg: 'drain budget exhausted: these batches reappear after their visibility timeout',
        pollers: unfinished,
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
    this.logger.log({
      msg: this.drained ? 'drained' : 'stopped without a full drain',
      drainMs: Date.now() - this.startedAt,
      budgetMs: this.config.DRAIN_BUDGET_MS,
      batchesInFlight: this.batchesInFlight,
      poolClosed: closed,
      // What would still keep the process alive without process.exit; expected: nothing.
      openHandles: await lingeringHandles(HANDLE_SETTLE_MS),
    });
  }
}
