import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { AuditLog } from '../records/audit.log';
import { Outcome, Plan, PlanItem, PlansStore } from '../records/plans.store';
import { FailedOrderRecord, RecordFilter } from '../records/record';
import { RecordsStore } from '../records/records.store';
import { Actor, notFound, OperationsErrorCode, OperationsException } from './operations.exception';
import { OrdersSender } from './orders.sender';
import { RateLimiter } from './rate-limiter';

export interface PlanSummary {
  plan: Plan;
  /** Matched, but left out: without an order id a record can only fail again (edit or discard it). */
  withoutOrderId: number;
  sample: FailedOrderRecord[];
}

export interface PlanStatus {
  plan: Plan;
  counts: Record<Outcome, number>;
  items: PlanItem[];
}

export interface ApplyOptions {
  ratePerSecond?: number;
  signal?: AbortSignal;
  onProgress?: (progress: { sent: number; skipped: number; total: number }) => void;
}

export interface ApplyReport {
  planId: string;
  status: 'done' | 'cancelled' | 'interrupted';
  sent: number;
  skipped: number;
  total: number;
}

/**
 * Redrive by plan: a dry run freezes the exact set (count and sample); applying it sends exactly
 * that set, paced, resumable, cancellable. Send first, then mark: a crash in between sends a
 * record again on resume, which the processor's insert (idempotent on the order id) absorbs; a
 * record that failed again before the mark keeps its new failure (PlansStore.sent).
 */
@Injectable()
export class Redrive implements OnApplicationShutdown {
  private readonly logger = new Logger(Redrive.name);
  // Applies started through the admin API run in the background; shutdown stops them between chunks.
  private readonly stopping = new AbortController();

  constructor(
    private readonly records: RecordsStore,
    private readonly plans: PlansStore,
    private readonly sender: OrdersSender,
    private readonly audit: AuditLog,
    private readonly config: DlqSidecarConfig,
  ) {}

  async plan(
    filter: RecordFilter,
    described: Record<string, unknown>,
    by: Actor,
  ): Promise<PlanSummary> {
    // By default only failed records: ones already retried are on their way.
    const chosen = { ...filter, states: filter.states ?? ['failed' as const] };
    return this.records.transaction(async (manager) => {
      const summary = await this.plans.create(chosen, described, by.actor, manager);
      await this.audit.append(
        {
          ...by,
          action: 'redrive.plan',
          planId: summary.plan.id,
          detail: { filter: described, total: summary.plan.total },
        },
        manager,
      );
      return summary;
    });
  }

  async status(planId: string, limit: number, afterRecordId?: string): Promise<PlanStatus> {
    const plan = await this.plans.get(planId);
    if (!plan) {
      throw notFound(`plan ${planId}`);
    }
    return { plan, ...(await this.plans.outcomes(planId, limit, afterRecordId)) };
  }

  /** For the admin API: runs on in this process, reported by status(). */
  async start(planId: string, by: Actor, ratePerSecond?: number): Promise<PlanStatus> {
    const plan = await this.claim(planId, by);
    this.run(plan, by, { ratePerSecond, signal: this.stopping.signal }).catch((error: unknown) =>
      this.logger.error({ msg: 'redrive stopped', planId, error: String(error) }),
    );
    return this.status(planId, 0);
  }

  async apply(planId: string, by: Actor, options: ApplyOptions = {}): Promise<ApplyReport> {
    return this.run(await this.claim(planId, by), by, options);
  }

  async cancel(planId: string, by: Actor): Promise<Plan> {
    const plan = await this.plans.cancel(planId);
    if (!plan) {
      throw await this.notApplicable(planId, 'cancelled');
    }
    await this.audit.append({ ...by, action: 'redrive.cancel', planId });
    return plan;
  }

  onApplicationShutdown(): void {
    this.stopping.abort();
  }

  private async claim(planId: string, by: Actor): Promise<Plan> {
    const plan = await this.plans.claim(planId, by.actor);
    if (!plan) {
      throw await this.notApplicable(planId, 'applied');
    }
    return plan;
  }

  private async run(plan: Plan, by: Actor, options: ApplyOptions): Promise<ApplyReport> {
    const rate = options.ratePerSecond ?? this.config.REDRIVE_DEFAULT_RATE;
    await this.audit.append({
      ...by,
      action: 'redrive.apply',
      planId: plan.id,
      detail: { ratePerSecond: rate },
    });
    const limiter = new RateLimiter(rate);
    // Chunks of about a second's worth, so a cancel takes effect within a second.
    const chunkSize = Math.max(1, Math.min(10, rate));
    const report: ApplyReport = {
      planId: plan.id,
      status: 'done',
      sent: 0,
      skipped: 0,
      total: plan.total,
    };
    for (;;) {
      if (options.signal?.aborted) {
        report.status = 'interrupted';
        break;
      }
      const chunk = await this.plans.nextToSend(plan.id, chunkSize);
      if (chunk.length === 0) {
        await this.plans.finish(plan.id);
        break;
      }
      // Discarded or resolved since the plan was made: an operator (or the processor) decided.
      const gone = chunk.filter(
        (record) => record.state === 'discarded' || record.state === 'resolved',
      );
      if (gone.length > 0) {
        await this.plans.skipped(
          plan.id,
          gone.map((record) => record.recordId),
          'discarded or resolved after planning',
        );
        report.skipped += gone.length;
      }
      const sendable = chunk.filter((record) => !gone.includes(record));
      await limiter.take(sendable.length, options.signal);
      const { sent, refused } = await this.sender.send(sendable);
      for (const [recordId, reason] of refused) {
        await this.plans.skipped(plan.id, [recordId], `SQS refused it: ${reason}`);
      }
      report.skipped += refused.size;
      report.sent += sent.length;
      const state = await this.plans.sent(plan.id, sent, chunk[0].readAt);
      options.onProgress?.(report);
      if (state === 'cancelled') {
        report.status = 'cancelled';
        break;
      }
    }
    await this.audit.append({
      ...by,
      action: `redrive.${report.status}`,
      planId: plan.id,
      detail: { sent: report.sent, skipped: report.skipped, total: report.total },
    });
    return report;
  }

  private async notApplicable(planId: string, verb: string): Promise<OperationsException> {
    const plan = await this.plans.get(planId);
    if (!plan) {
      return notFound(`plan ${planId}`);
    }
    const why =
      plan.state === 'applying'
        ? `${plan.appliedBy ?? 'someone'} is applying it (last report ${plan.heartbeatAt?.toISOString()}); it can be taken over once that is older than 30 s`
        : `it is ${plan.state}`;
    return new OperationsException(
      OperationsErrorCode.PlanNotApplicable,
      `plan ${planId} cannot be ${verb}: ${why}`,
    );
  }
}
