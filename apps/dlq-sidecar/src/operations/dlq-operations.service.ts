import {
  DeleteMessageBatchCommand,
  MessageAttributeValue,
  SendMessageBatchCommand,
  SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { messageSize, queueNameOfUrl, redriveInSpan, sqsBatches } from '@orders/messaging';
import {
  DeadLetter,
  failedAt,
  isFailureAttribute,
  queueNameOf,
  ReceivedDeadLetter,
} from '../dead-letters/dead-letter';
import {
  DeadLetterFilter,
  describeFilter,
  hasCriteria,
  matchesFilter,
} from '../dead-letters/dead-letter.filter';
import { DlqReader, ScanOutcome, ScanVisitor } from '../dead-letters/dlq.reader';
import { AuditAction, AuditCounts, AuditLog, AuditStart, AuditStatus } from '../audit/audit.log';
import { OperationsErrorCode, OperationsException } from './operations.exception';
import { RateLimiter } from './rate-limiter';

// A list waits this long for letters hidden by a watcher scan (seconds at most) before it reports them as hidden.
const LIST_WAIT_FOR_HIDDEN_MS = 5000;

export interface ReasonGroup {
  reason: string;
  count: number;
  firstFailureAt: Date;
  lastFailureAt: Date;
  latestMessage: string;
}

export interface ListResult {
  dlqName: string;
  examined: number;
  matched: number;
  groups: ReasonGroup[];
  /** Newest failures first, at most `limit`. */
  letters: DeadLetter[];
  hiddenByOthers: number;
}

export interface ShownDeadLetter {
  letter: DeadLetter;
  body: string;
  attributes: Record<string, string>;
  systemAttributes: Record<string, string>;
  ageSeconds: number;
}

export interface RunProgress {
  action: AuditAction;
  dryRun: boolean;
  examined: number;
  matched: number;
  /** Redrive: sent to the orders queue (and deleted from the DLQ unless counted in notDeleted). Purge: deleted. */
  succeeded: number;
  failed: number;
  /** Sent but still in the DLQ (its delete failed): a later redrive sends it again, which idempotency absorbs. */
  notDeleted: number;
  elapsedMs: number;
  /** Messages per second achieved so far. */
  rate: number;
  dlqDepthAtStart: number;
  waitingForHidden?: number;
}

export interface RunReport extends RunProgress {
  status: Exclude<AuditStatus, 'running'>;
  auditId?: string;
  hiddenByOthers: number;
  orderIds: string[];
  error?: string;
}

export interface RunRequest {
  filter: DeadLetterFilter;
  actor: string;
  via: 'cli' | 'http';
  dryRun?: boolean;
  ratePerSecond?: number;
  /** Purge only: the explicit yes. */
  confirm?: boolean;
  /** Go on when the audit table is unreachable; the audit is then a log line only. */
  allowWithoutAudit?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
}

/**
 * What operators do with dead letters: list, show, redrive, purge. The CLI and the admin HTTP API
 * both call this. Redrive sends to the orders queue first and deletes from the DLQ only what was
 * sent, so a crash in between duplicates (absorbed by the processor's idempotency) and never loses.
 */
@Injectable()
export class DlqOperationsService {
  readonly dlqName: string;

  constructor(
    private readonly reader: DlqReader,
    private readonly sqs: SQSClient,
    private readonly audit: AuditLog,
    private readonly config: DlqSidecarConfig,
  ) {
    this.dlqName = queueNameOf(config.ORDERS_DLQ_URL);
  }

  async list(filter: DeadLetterFilter, limit: number): Promise<ListResult> {
    const effective = hasCriteria(filter) ? filter : { ...filter, all: true };
    const letters: DeadLetter[] = [];
    let examined = 0;
    const outcome = await this.scan(LIST_WAIT_FOR_HIDDEN_MS, undefined, async (batch) => {
      examined += batch.length;
      letters.push(
        ...batch
          .map((received) => received.letter)
          .filter((letter) => matchesFilter(letter, effective)),
      );
    });
    letters.sort((a, b) => failedAt(b).getTime() - failedAt(a).getTime());
    return {
      dlqName: this.dlqName,
      examined,
      matched: letters.length,
      groups: groupsOf(letters),
      letters: letters.slice(0, limit),
      hiddenByOthers: outcome.hiddenByOthers,
    };
  }

  /** By message id or order id; an order can have several dead letters. */
  async show(id: string): Promise<ShownDeadLetter[]> {
    const found: ShownDeadLetter[] = [];
    await this.scan(LIST_WAIT_FOR_HIDDEN_MS, undefined, async (batch) => {
      for (const { letter, message } of batch) {
        if (matchesFilter(letter, { order: id })) {
          found.push({
            letter,
            body: message.Body ?? '',
            attributes: Object.fromEntries(
              Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
                name,
                value.StringValue ?? `(${value.DataType})`,
              ]),
            ),
            systemAttributes: { ...(message.Attributes ?? {}) },
            ageSeconds: Math.round((Date.now() - letter.sentAt.getTime()) / 1000),
          });
        }
      }
    });
    if (found.length === 0) {
      throw new OperationsException(
        OperationsErrorCode.NotFound,
        `No dead letter with message id or order id ${id} in ${this.dlqName}`,
      );
    }
    return found;
  }

  redrive(request: RunRequest): Promise<RunReport> {
    return this.run('redrive', request, (matching, counts, signal, limiter) =>
      this.moveToOrdersQueue(matching, counts, signal, limiter),
    );
  }

  purge(request: RunRequest): Promise<RunReport> {
    if (!request.confirm) {
      throw new OperationsException(
        OperationsErrorCode.ConfirmationRequired,
        'purge deletes dead letters for good: confirm it explicitly',
      );
    }
    return this.run(
      'purge',
      { ...request, dryRun: false },
      async (matching, counts, signal, limiter) => {
        await limiter?.take(matching.length, signal);
        const deleted = await this.deleteFromDlq(matching);
        counts.succeeded += deleted.length;
        counts.failed += matching.length - deleted.length;
        return deleted;
      },
    );
  }

  async auditTrail(limit: number) {
    try {
      return await this.audit.recent(this.dlqName, limit);
    } catch (error) {
      throw new OperationsException(
        OperationsErrorCode.AuditUnavailable,
        `The audit log cannot be read: ${String(error)}`,
        error,
      );
    }
  }

  private async run(
    action: AuditAction,
    request: RunRequest,
    act: (
      matching: ReceivedDeadLetter[],
      counts: RunCounts,
      signal: AbortSignal | undefined,
      limiter: RateLimiter | undefined,
    ) => Promise<string[]>,
  ): Promise<RunReport> {
    if (!request.filter.all && !hasCriteria(request.filter)) {
      throw new OperationsException(
        OperationsErrorCode.FilterRequired,
        `${action} needs --all or a filter (--reason, --order, --since, --until)`,
      );
    }
    if (request.ratePerSecond !== undefined && !(request.ratePerSecond >= 1)) {
      throw new OperationsException(
        OperationsErrorCode.InvalidFilter,
        'rate must be at least 1 message per second',
      );
    }
    const dryRun = request.dryRun ?? false;
    const startedAt = Date.now();
    const dlqDepthAtStart = await this.depthTotal();
    const entry: AuditStart = {
      dlqName: this.dlqName,
      action,
      actor: request.actor,
      via: request.via,
      filter: describeFilter(request.filter),
      ratePerSecond: request.ratePerSecond,
    };
    const auditId = dryRun
      ? undefined
      : await this.startAudit(entry, request.allowWithoutAudit ?? false);
    const counts: RunCounts = {
      examined: 0,
      matched: 0,
      succeeded: 0,
      failed: 0,
      notDeleted: 0,
      orderIds: [],
    };
    const limiter = request.ratePerSecond ? new RateLimiter(request.ratePerSecond) : undefined;
    // Sub-batches that take about a second at the given rate, so no letter waits hidden for long.
    const chunkSize = request.ratePerSecond
      ? Math.max(1, Math.min(10, Math.floor(request.ratePerSecond)))
      : 10;
    let waitingForHidden: number | undefined;
    const progress = (): RunProgress => {
      const elapsedMs = Date.now() - startedAt;
      return {
        action,
        dryRun,
        ...countsOf(counts),
        notDeleted: counts.notDeleted,
        elapsedMs,
        rate: elapsedMs > 0 ? (counts.succeeded * 1000) / elapsedMs : 0,
        dlqDepthAtStart,
        waitingForHidden,
      };
    };
    let lastAuditUpdate = Date.now();

    let outcome: ScanOutcome | undefined;
    let error: unknown;
    try {
      outcome = await this.scan(
        (this.config.DLQ_CLI_VISIBILITY_SECONDS + 5) * 1000,
        request.signal,
        async (batch) => {
          counts.examined += batch.length;
          // Letters that reached the DLQ after the start are left alone: a redriven order that fails again must not loop.
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
              removed.push(...(await act(chunk, counts, request.signal, limiter)));
            }
            counts.orderIds.push(
              ...chunk.map(({ letter }) => letter.orderId ?? `message:${letter.messageId}`),
            );
          }
          waitingForHidden = undefined;
          request.onProgress?.(progress());
          if (auditId && Date.now() - lastAuditUpdate > 2000) {
            lastAuditUpdate = Date.now();
            await this.audit
              .progress(auditId, countsOf(counts), counts.orderIds)
              .catch(() => undefined);
          }
          return removed;
        },
        (hidden) => {
          waitingForHidden = hidden;
          request.onProgress?.(progress());
        },
      );
    } catch (caught) {
      error = caught;
    }
    const status: RunReport['status'] = error
      ? 'failed'
      : outcome?.interrupted
        ? 'interrupted'
        : 'completed';
    const message = error ? (error instanceof Error ? error.message : String(error)) : undefined;
    if (!dryRun) {
      await this.finishAudit(auditId, entry, status, counts, message);
    }
    return {
      ...progress(),
      waitingForHidden: undefined,
      status,
      auditId,
      hiddenByOthers: outcome?.hiddenByOthers ?? 0,
      orderIds: counts.orderIds,
      error: message,
    };
  }

  private async moveToOrdersQueue(
    matching: ReceivedDeadLetter[],
    counts: RunCounts,
    signal: AbortSignal | undefined,
    limiter: RateLimiter | undefined,
  ): Promise<string[]> {
    await limiter?.take(matching.length, signal);
    const sent = await redriveInSpan(
      queueNameOfUrl(this.config.ORDERS_QUEUE_URL),
      matching.map(({ message }) => message),
      () => this.sendToOrdersQueue(matching),
    );
    counts.failed += matching.length - sent.length;
    counts.succeeded += sent.length;
    const deleted = await this.deleteFromDlq(sent);
    counts.notDeleted += sent.length - deleted.length;
    return deleted;
  }

  /** Returns the letters SQS accepted. The body is sent unchanged, so the order keeps its id. */
  private async sendToOrdersQueue(letters: ReceivedDeadLetter[]): Promise<ReceivedDeadLetter[]> {
    const accepted: ReceivedDeadLetter[] = [];
    for (const batch of sqsBatches(
      letters.map((letter) => ({ letter, entry: orderEntryOf(letter) })),
      ({ entry }) => messageSize(entry.MessageBody ?? '', entry.MessageAttributes),
    )) {
      const response = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.config.ORDERS_QUEUE_URL,
          Entries: batch.map(({ entry }, index) => ({
            ...entry,
            Id: String(index),
          })),
        }),
      );
      const ok = new Set((response.Successful ?? []).map((result) => result.Id));
      batch.forEach(({ letter }, index) => ok.has(String(index)) && accepted.push(letter));
    }
    return accepted;
  }

  /** Returns the message ids deleted. */
  private async deleteFromDlq(letters: ReceivedDeadLetter[]): Promise<string[]> {
    const deleted: string[] = [];
    for (const chunk of sqsBatches(letters)) {
      const response = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.config.ORDERS_DLQ_URL,
          Entries: chunk.map(({ message }, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
      const ok = new Set((response.Successful ?? []).map((result) => result.Id));
      chunk.forEach(({ letter }, index) => ok.has(String(index)) && deleted.push(letter.messageId));
    }
    return deleted;
  }

  private async scan(
    waitForHiddenMs: number,
    signal: AbortSignal | undefined,
    visit: ScanVisitor,
    onWaiting?: (hidden: number) => void,
  ): Promise<ScanOutcome> {
    try {
      return await this.reader.scan(
        {
          visibilitySeconds: this.config.DLQ_CLI_VISIBILITY_SECONDS,
          maxMessages: Number.MAX_SAFE_INTEGER,
          waitForHiddenMs,
          signal,
          onWaiting,
        },
        visit,
      );
    } catch (error) {
      if (error instanceof OperationsException) {
        throw error;
      }
      throw new OperationsException(
        OperationsErrorCode.QueueUnavailable,
        `SQS call failed: ${error instanceof Error ? error.message : String(error)}`,
        error,
      );
    }
  }

  private async depthTotal(): Promise<number> {
    try {
      const depth = await this.reader.depth();
      return depth.visible + depth.inFlight + depth.delayed;
    } catch (error) {
      throw new OperationsException(
        OperationsErrorCode.QueueUnavailable,
        `Cannot read the DLQ ${this.dlqName}: ${String(error)}`,
        error,
      );
    }
  }

  private async startAudit(
    entry: AuditStart,
    allowWithoutAudit: boolean,
  ): Promise<string | undefined> {
    try {
      return await this.audit.start(entry);
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

  private async finishAudit(
    auditId: string | undefined,
    entry: AuditStart,
    status: AuditStatus,
    counts: RunCounts,
    error?: string,
  ): Promise<void> {
    if (auditId === undefined) {
      this.audit.logOnly(entry, status, countsOf(counts), counts.orderIds, error);
      return;
    }
    try {
      await this.audit.finish(auditId, status, countsOf(counts), counts.orderIds, error);
      this.audit.logFinished(auditId, entry, status, countsOf(counts));
    } catch (caught) {
      this.audit.logOnly(
        entry,
        status,
        countsOf(counts),
        counts.orderIds,
        `${error ?? ''} (audit row ${auditId} not updated: ${String(caught)})`,
      );
    }
  }
}

interface RunCounts extends AuditCounts {
  notDeleted: number;
  orderIds: string[];
}

function countsOf(counts: RunCounts): AuditCounts {
  return {
    examined: counts.examined,
    matched: counts.matched,
    succeeded: counts.succeeded,
    failed: counts.failed,
  };
}

/** The dead letter as an order message again: same body, its attributes minus the failure details. */
function orderEntryOf({ message }: ReceivedDeadLetter): Omit<SendMessageBatchRequestEntry, 'Id'> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (!isFailureAttribute(name)) {
      attributes[name] = {
        DataType: value.DataType,
        StringValue: value.StringValue,
        BinaryValue: value.BinaryValue,
      };
    }
  }
  return {
    MessageBody: message.Body ?? '',
    MessageAttributes: Object.keys(attributes).length > 0 ? attributes : undefined,
  };
}

function groupsOf(letters: DeadLetter[]): ReasonGroup[] {
  const groups = new Map<string, ReasonGroup>();
  for (const letter of letters) {
    const at = failedAt(letter);
    const group = groups.get(letter.groupKey);
    if (!group) {
      groups.set(letter.groupKey, {
        reason: letter.groupKey,
        count: 1,
        firstFailureAt: at,
        lastFailureAt: at,
        latestMessage: letter.reason,
      });
      continue;
    }
    group.count += 1;
    if (at < group.firstFailureAt) {
      group.firstFailureAt = at;
    }
    if (at >= group.lastFailureAt) {
      group.lastFailureAt = at;
      group.latestMessage = letter.reason;
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
