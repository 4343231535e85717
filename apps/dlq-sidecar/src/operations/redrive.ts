import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuditLog } from '../records/audit.log';
import {
  Outcome,
  Plan,
  PLAN_HEARTBEAT_STALE_SECONDS,
  PlanItem,
  PlansStore,
  PlanState,
} from '../records/plans.store';
import { FailedOrderRecord, RecordFilter } from '../records/record';
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
 * that set, paced, resumable, cancellable, at once or in stages. A record that failed again before
 * its mark keeps its new failure (PlansStore.sent).
 */
@Injectable()
export class Redrive implements OnApplicationShutdown {
  private readonly logger = new Logger(Redrive.name);
  // Applies started through the admin API run in the background; shutdown stops them between chunks.
  private readonly stopping = new AbortController();

  constructor(
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
    return this.audit.transaction(async (manager, append) => {
      const summary = await this.plans.create(chosen, described, by.actor, manager);
      await append({
        ...by,
        action: 'redrive.plan',
        planId: summary.plan.id,
        detail: { filter: described, total: summary.plan.total },
      });
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
    const plan = await this.audit.transaction(async (manager, append) => {
      const cancelled = await this.plans.cancel(planId, manager);
      if (cancelled) {
        await append({ ...by, action: 'redrive.cancel', planId });
      }
      return cancelled;
    });
    if (!plan) {
      throw await this.notApplicable(planId, 'cancelled');
    }
    return plan;
  }

  onApplicationShutdown(): void {
    this.stopping.abort();
  }

  private async claim(planId: string, by: Actor, options: ApplyOptions): Promise<Plan> {
    // Taken and audited in one transaction: no apply without its entry.
    const plan = await this.audit.transaction(async (manager, append) => {
      const claimed = await this.plans.claim(
        planId,
        by.actor,
        { stages: options.stages, rate: options.ratePerSecond },
        manager,
      );
      if (claimed) {
        await append({
          ...by,
          action: 'redrive.apply',
          planId,
          detail: {
            ratePerSecond: claimed.rate ?? this.config.REDRIVE_DEFAULT_RATE,
            stages: claimed.stages,
            stage: claimed.stage + 1,
          },
        });
      }
      return claimed;
    });
    if (!plan) {
      throw await this.notApplicable(planId, 'applied');
    }
    return plan;
  }

  /**
   * One loop for every plan: a plan without stages is one stage, "the rest". Each chunk is paced,
   * sent, then marked (PlansStore.sent); cancel and shutdown act between chunks. After a stage
   * before the rest, the run waits for every outcome and pauses the plan on a failure or timeout.
   * Send, then mark: a record is never marked sent without having been sent (it would be pending
   * for good, retry_requested and out of every default plan); a crash in between only sends the
   * chunk again on resume, which the processor's insert, idempotent on the order id, absorbs.
   * State lives in the plan's rows: any replica resumes where it stopped.
   */
  private async runClaimed(plan: Plan, by: Actor, options: ApplyOptions): Promise<ApplyReport> {
    const stages = plan.stages ?? [];
    const rate = plan.rate ?? this.config.REDRIVE_DEFAULT_RATE;
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
    for (let stage = plan.stage; ; stage++) {
      const size = stage < stages.length ? stages[stage] : Infinity;
      let sentInStage = await this.plans.sentInStage(plan.id, stage);
      let state: PlanState = 'applying';
      while (sentInStage < size && state === 'applying') {
        const want = Math.min(chunkSize, size - sentInStage);
        await limiter.take(want, options.signal);
        const chunk = options.signal?.aborted ? [] : await this.plans.nextToSend(plan.id, want);
        if (chunk.length === 0) {
          break;
        }
        // Discarded or resolved since the plan was made: an operator (or the processor) decided.
        const skipped = new Map(
          chunk
            .filter((record) => record.state === 'discarded' || record.state === 'resolved')
            .map((record) => [record.recordId, 'discarded or resolved after planning']),
        );
        const { sent, refused } = await this.sender.send(
          chunk.filter((record) => !skipped.has(record.recordId)),
        );
        refused.forEach((reason, recordId) => skipped.set(recordId, `SQS refused it: ${reason}`));
        state = await this.plans.sent(plan.id, {
          stage: plan.stages === null ? null : stage,
          sent,
          skipped,
          readAt: chunk[0].readAt,
        });
        sentInStage += sent.length;
        report.sent += sent.length;
        report.skipped += skipped.size;
        options.onProgress?.(report);
      }
      const verdict = options.signal?.aborted
        ? 'interrupted'
        : state !== 'applying'
          ? 'cancelled'
          : (await this.plans.nextToSend(plan.id, 1)).length === 0
            ? 'done'
            : await this.awaitStage(plan.id, stage, options.signal);
      if (verdict === 'next') {
        await this.plans.advance(plan.id, stage);
        continue;
      }
      if (verdict === 'done') {
        report.status = (await this.plans.finish(plan.id)) ? 'done' : 'cancelled';
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
        ? `${plan.appliedBy ?? 'someone'} is applying it (last report ${plan.heartbeatAt?.toISOString()}); it can be taken over once that is older than ${PLAN_HEARTBEAT_STALE_SECONDS} s`
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
