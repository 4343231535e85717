import { ReceivedDeadLetter } from '../dlq/dead-letter';
import {
  DeadLetterFilter,
  describeFilter,
  hasCriteria,
  matchesFilter,
} from '../dlq/dead-letter.filter';
import { ScanOutcome } from '../dlq/dlq.reader';
import { AUDIT_PROGRESS_MS, AuditAction, AuditCounts, AuditStart, AuditStatus } from './audit.log';
import { DlqOperations } from './dlq-operations';
import { OperationsErrorCode, OperationsException } from './operations.exception';
import { RateLimiter } from './rate-limiter';

export interface RunProgress extends AuditCounts {
  action: AuditAction;
  dryRun: boolean;
  /** Sent but still in the DLQ (its delete failed): a later redrive sends it again, which idempotency absorbs. */
  notDeleted: number;
  elapsedMs: number;
  /** Messages per second achieved so far. */
  rate: number;
  /** SQS's approximate count at the start: for progress only. */
  dlqDepthAtStart: number;
  /** Seconds left of a wait for letters another run still hides. */
  waitingSeconds?: number;
}

export interface RunReport extends RunProgress {
  status: Exclude<AuditStatus, 'running'>;
  /** Letters another reader still hid when the run stopped waiting for them: not examined. */
  leftHidden: boolean;
  auditId?: string;
  orderIds: string[];
  error?: string;
}

export interface RunRequest {
  filter: DeadLetterFilter;
  actor: string;
  via: 'cli' | 'http';
  dryRun?: boolean;
  ratePerSecond?: number;
  /** Go on when the audit table is unreachable; the audit is then a log line only. */
  allowWithoutAudit?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
}

/** What a run does with one chunk of matching letters; returns the counts and the ids removed from the DLQ. */
export type RunAction = (
  chunk: ReceivedDeadLetter[],
) => Promise<{ succeeded: number; failed: number; removed: string[] }>;

/**
 * The loop every changing operation shares: refuse an empty filter, audit before the first
 * message moves, scan, pick the matching letters that were in the DLQ before the run started (a
 * redriven order that fails again must not loop), pace them, act, report progress, audit the end.
 */
export async function runOnLetters(
  ops: DlqOperations,
  action: AuditAction,
  request: RunRequest,
  act: RunAction,
  audited: Partial<AuditStart> = {},
): Promise<RunReport> {
  if (!request.filter.all && !hasCriteria(request.filter)) {
    throw new OperationsException(
      OperationsErrorCode.FilterRequired,
      `${action} needs --all or a filter (--reason, --order, --since, --until)`,
    );
  }
  const dryRun = request.dryRun ?? false;
  const startedAt = Date.now();
  const dlqDepthAtStart = await ops.approximateTotal();
  const entry: AuditStart = {
    dlqName: ops.dlqName,
    action,
    actor: request.actor,
    via: request.via,
    filter: describeFilter(request.filter),
    ratePerSecond: request.ratePerSecond,
    ...audited,
  };
  const auditId = dryRun ? undefined : await startAudit(ops, entry, request.allowWithoutAudit);
  const counts = { examined: 0, matched: 0, succeeded: 0, failed: 0, notDeleted: 0 };
  const orderIds: string[] = [];
  const limiter = request.ratePerSecond ? new RateLimiter(request.ratePerSecond) : undefined;
  // Sub-batches that take about a second at the given rate, so no letter waits hidden for long.
  const chunkSize = Math.max(1, Math.min(10, Math.floor(request.ratePerSecond ?? 10)));
  let waitingSeconds: number | undefined;
  const progress = (): RunProgress => {
    const elapsedMs = Date.now() - startedAt;
    const rate = elapsedMs > 0 ? (counts.succeeded * 1000) / elapsedMs : 0;
    return { action, dryRun, ...counts, elapsedMs, rate, dlqDepthAtStart, waitingSeconds };
  };
  const auditCounts = (): AuditCounts => ({
    examined: counts.examined,
    matched: counts.matched,
    succeeded: counts.succeeded,
    failed: counts.failed,
  });
  let lastAuditUpdate = Date.now();

  let outcome: ScanOutcome | undefined;
  let error: unknown;
  try {
    outcome = await ops.scan(
      {
        signal: request.signal,
        onWaiting: (seconds) => {
          waitingSeconds = seconds;
          request.onProgress?.(progress());
        },
      },
      async (batch) => {
        counts.examined += batch.length;
        const matching = batch.filter(
          ({ letter }) =>
            matchesFilter(letter, request.filter) && letter.sentAt.getTime() < startedAt,
        );
        counts.matched += matching.length;
        const removed: string[] = [];
        for (
          let start = 0;
          start < matching.length && !request.signal?.aborted;
          start += chunkSize
        ) {
          const chunk = matching.slice(start, start + chunkSize);
          if (!dryRun) {
            await limiter?.take(chunk.length, request.signal);
            const result = await act(chunk);
            counts.succeeded += result.succeeded;
            counts.failed += result.failed;
            counts.notDeleted += result.succeeded - result.removed.length;
            removed.push(...result.removed);
          }
          orderIds.push(
            ...chunk.map(({ letter }) => letter.orderId ?? `message:${letter.messageId}`),
          );
        }
        waitingSeconds = undefined;
        request.onProgress?.(progress());
        if (auditId && Date.now() - lastAuditUpdate > AUDIT_PROGRESS_MS) {
          lastAuditUpdate = Date.now();
          await ops.audit.progress(auditId, auditCounts(), orderIds).catch(() => undefined);
        }
        return removed;
      },
    );
  } catch (caught) {
    error = caught;
  }
  const status = error ? 'failed' : outcome?.interrupted ? 'interrupted' : 'completed';
  const message = error ? (error instanceof Error ? error.message : String(error)) : undefined;
  if (!dryRun) {
    await ops.audit.finish(auditId, entry, status, auditCounts(), orderIds, message);
  }
  if (error instanceof OperationsException && counts.examined === 0) {
    // Nothing was looked at (e.g. a DLQ with its own redrive policy): an error, not a report.
    throw error;
  }
  return {
    ...progress(),
    waitingSeconds: undefined,
    status,
    leftHidden: outcome?.leftHidden ?? false,
    auditId,
    orderIds,
    error: message,
  };
}

async function startAudit(
  ops: DlqOperations,
  entry: AuditStart,
  allowWithoutAudit = false,
): Promise<string | undefined> {
  try {
    return await ops.audit.start(entry);
  } catch (error) {
    if (allowWithoutAudit) {
      return undefined;
    }
    throw new OperationsException(
      OperationsErrorCode.AuditUnavailable,
      `The audit log (PostgreSQL) is unreachable, so nothing was changed: ${String(error)}. To go on anyway with the audit in the log only, pass --allow-no-audit.`,
      error,
    );
  }
}
