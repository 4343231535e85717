import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLog } from '../records/audit.log';
import { Outcome, Plan, PlanItem, PlansStore, Sendable } from '../records/plans.store';
import { FailedOrderRecord, RecordFilter } from '../records/record';
import { RecordsStore } from '../records/records.store';
import { Actor, notFound, OperationsErrorCode, OperationsException } from './operations.exception';
import { OrdersSender } from './orders.sender';
import { RateLimiter } from './rate-limiter';

// How often a staged plan looks for its stage's outcomes (stored, or recorded again by the intake).
const STAGE_POLL_MS = 500;

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
  /**
   * Staged: stage sizes before "the rest" (e.g. [1, 10]); after each stage the run waits for every
   * order's outcome and pauses when any failed again. [] sends the rest of a paused plan at once.
   * Unset: a paused or staged plan keeps its stages; a planned one is sent all at once.
   */
  stages?: number[];
  signal?: AbortSignal;
  onProgress?: (progress: { sent: number; skipped: number; total: number }) => void;
}

export interface ApplyReport {
  planId: string;
  status: 'done' | 'cancelled' | 'interrupted' | 'paused';
  /** Why a staged plan paused: the operator resumes (apply again) or cancels it. */
  pausedReason?: string;
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

  /** For the admin API and the console: runs on in this process, reported by status(). */
  async start(
    planId: string,
    by: Actor,
    ratePerSecond?: number,
    stages?: number[],
  ): Promise<PlanStatus> {
    const options = { ratePerSecond, stages, signal: this.stopping.signal };
    const plan = await this.claim(planId, by, options);
    this.runClaimed(plan, by, options).catch((error: unknown) =>
      this.logger.error({ msg: 'redrive stopped', planId, error: String(error) }),
    );
    return this.status(planId, 0);
  }

  async apply(planId: string, by: Actor, options: ApplyOptions = {}): Promise<ApplyReport> {
    return this.runClaimed(await this.claim(planId, by, options), by, options);
  }

  /** REDRIVE_DEFAULT_RATE, for forms to show. */
  get defaultRate(): number {
    return this.config.REDRIVE_DEFAULT_RATE;
  }

  /** REDRIVE_STAGES, for a staged apply that names no stages. */
  get configuredStages(): string {
    return this.config.REDRIVE_STAGES;
  }

  /** The plan's failure reasons, most common first. */
  reasons(planId: string) {
    return this.plans.reasonsOf(planId);
  }

  /** Plans, newest first. */
  list(limit: number): Promise<Plan[]> {
    return this.plans.list(limit);
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

  private async claim(planId: string, by: Actor, options: ApplyOptions): Promise<Plan> {
    const plan = await this.plans.claim(planId, by.actor, {
      stages: options.stages,
      rate: options.ratePerSecond,
    });
    if (!plan) {
      throw await this.notApplicable(planId, 'applied');
    }
    return plan;
  }

  private runClaimed(plan: Plan, by: Actor, options: ApplyOptions): Promise<ApplyReport> {
    return plan.stages === null ? this.run(plan, by, options) : this.runStaged(plan, by, options);
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

  /**
   * 1, then a few, then the rest: each stage's records are taken (marked sent) and sent, then the
   * run waits until each is stored or failed again, and pauses the plan when any failed again or
   * the wait timed out. State lives in the plan's rows: any replica resumes where it stopped.
   */
  private async runStaged(plan: Plan, by: Actor, options: ApplyOptions): Promise<ApplyReport> {
    const stages = plan.stages ?? [];
    const rate = options.ratePerSecond ?? plan.rate ?? this.config.REDRIVE_DEFAULT_RATE;
    await this.audit.append({
      ...by,
      action: 'redrive.apply',
      planId: plan.id,
      detail: { ratePerSecond: rate, stages, stage: plan.stage + 1 },
    });
    const limiter = new RateLimiter(rate);
    const chunkSize = Math.max(1, Math.min(10, rate));
    const report: ApplyReport = {
      planId: plan.id,
      status: 'done',
      sent: 0,
      skipped: 0,
      total: plan.total,
    };
    for (let stage = plan.stage; ; stage++) {
      const size = stage < stages.length ? stages[stage] : Infinity;
      let taken = await this.plans.takenInStage(plan.id, stage);
      while (taken < size && !options.signal?.aborted) {
        const want = Math.min(chunkSize, size - taken);
        // Paced before taking: a taken record is sent even when a shutdown comes.
        await limiter.take(want, options.signal);
        const chunk = await this.plans.takeForStage(plan.id, stage, want);
        if (chunk.length === 0) {
          break;
        }
        taken += chunk.length;
        await this.sendTaken(plan.id, chunk, report);
        options.onProgress?.(report);
      }
      const verdict = options.signal?.aborted
        ? 'interrupted'
        : !(await this.plans.anyLeft(plan.id))
          ? 'done'
          : await this.awaitStage(plan.id, stage, options.signal);
      if (verdict === 'next') {
        await this.plans.advance(plan.id, stage);
        continue;
      }
      if (verdict === 'done') {
        await this.plans.finish(plan.id);
        report.status =
          (await this.plans.get(plan.id))?.state === 'cancelled' ? 'cancelled' : 'done';
      } else if (typeof verdict === 'object') {
        report.status = (await this.plans.pause(plan.id, verdict.paused)) ? 'paused' : 'cancelled';
        report.pausedReason = report.status === 'paused' ? verdict.paused : undefined;
      } else {
        report.status = verdict;
      }
      break;
    }
    await this.audit.append({
      ...by,
      action: `redrive.${report.status}`,
      planId: plan.id,
      detail: {
        sent: report.sent,
        skipped: report.skipped,
        total: report.total,
        reason: report.pausedReason,
      },
    });
    return report;
  }

  /** Sends records already marked sent; the ones gone meanwhile or refused by SQS become skipped. */
  private async sendTaken(planId: string, chunk: Sendable[], report: ApplyReport): Promise<void> {
    const gone = chunk.filter(
      (record) => record.state === 'discarded' || record.state === 'resolved',
    );
    if (gone.length > 0) {
      await this.plans.skipped(
        planId,
        gone.map((record) => record.recordId),
        'discarded or resolved after planning',
      );
    }
    const { sent, refused } = await this.sender.send(
      chunk.filter((record) => !gone.includes(record)),
    );
    for (const [recordId, reason] of refused) {
      await this.plans.skipped(planId, [recordId], `SQS refused it: ${reason}`);
    }
    report.skipped += gone.length + refused.size;
    report.sent += sent.length;
  }

  /** Waits for a stage's outcomes: on to the next stage, or pause (with why), cancelled or interrupted. */
  private async awaitStage(
    planId: string,
    stage: number,
    signal?: AbortSignal,
  ): Promise<'next' | 'cancelled' | 'interrupted' | { paused: string }> {
    const deadline = Date.now() + this.config.REDRIVE_STAGE_TIMEOUT_SECONDS * 1000;
    for (;;) {
      const state = await this.plans.heartbeat(planId);
      if (state !== 'applying') {
        return 'cancelled';
      }
      const { counts, open } = await this.plans.stageOutcomes(planId, stage);
      const failed = open.filter((item) => item.outcome === 'failed_again');
      const pending = open.filter((item) => item.outcome === 'pending');
      const sent = counts.stored + counts.failed_again + counts.pending;
      if (pending.length === 0 || Date.now() >= deadline) {
        if (failed.length > 0) {
          return {
            paused: `${failed.length} of ${sent} orders of stage ${stage + 1} failed again (records ${namesOf(failed)}): see why before you resume`,
          };
        }
        if (pending.length > 0) {
          return {
            paused: `${pending.length} of ${sent} orders of stage ${stage + 1} have no outcome after ${this.config.REDRIVE_STAGE_TIMEOUT_SECONDS} s (records ${namesOf(pending)}): neither stored nor failed again`,
          };
        }
        return 'next';
      }
      await sleep(STAGE_POLL_MS, undefined, { signal }).catch(() => undefined);
      if (signal?.aborted) {
        return 'interrupted';
      }
    }
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

function namesOf(items: { recordId: string }[]): string {
  const shown = items.slice(0, 5).map((item) => item.recordId);
  return items.length > shown.length ? `${shown.join(', ')}, …` : shown.join(', ');
}
