import { Injectable } from '@nestjs/common';
import {
  CONTRACT_VALIDATION,
  describeValidationErrors,
  toOrderAcceptedEnvelope,
} from '@orders/contracts';
import { validateSync } from 'class-validator';
import { AuditLog } from '../records/audit.log';
import { DiffEntry, OPEN_STATES } from '../records/record';
import { RecordsStore } from '../records/records.store';
import { Actor, notFound, OperationsErrorCode, OperationsException } from './operations.exception';
import { ApplyReport, Redrive } from './redrive';

export interface EditableOrder {
  recordId: string;
  orderId: string;
  /** The envelope's `order`: the part an operator corrects. */
  order: unknown;
}

export interface EditReport {
  recordId: string;
  editId?: string;
  diff: DiffEntry[];
  before: unknown;
  after: unknown;
  /** The retry of the corrected order (absent for a dry run). */
  retry?: ApplyReport;
}

type Envelope = Record<string, unknown> & { orderId: string; order?: unknown };

/**
 * Edit and retry: the corrected order replaces the envelope's `order` (the order id and the client
 * id stay the envelope's), is validated by the contract the gateway and the processor use, is kept
 * as one more link of the record's chain of edits, and is redriven as a plan of one.
 */
@Injectable()
export class EditAndRetry {
  constructor(
    private readonly records: RecordsStore,
    private readonly audit: AuditLog,
    private readonly redrive: Redrive,
  ) {}

  async editable(key: string): Promise<EditableOrder> {
    const { recordId, envelope } = await this.theOpenRecord(key);
    return { recordId, orderId: envelope.orderId, order: envelope.order };
  }

  async apply(key: string, order: unknown, dryRun: boolean, by: Actor): Promise<EditReport> {
    const { recordId, body, envelope } = await this.theOpenRecord(key);
    const given = order as Record<string, unknown>;
    if ('orderId' in given || 'clientId' in given) {
      throw new OperationsException(
        OperationsErrorCode.InvalidOrder,
        'give the corrected order (customerId, currency, items), not the envelope: the order id and the client id cannot change',
      );
    }
    const corrected = { ...envelope, order };
    const problems = describeValidationErrors(
      validateSync(toOrderAcceptedEnvelope(corrected), CONTRACT_VALIDATION),
    );
    if (problems.length > 0) {
      throw new OperationsException(
        OperationsErrorCode.InvalidOrder,
        `The corrected order breaks the order contract: ${problems.map((problem) => `${problem.field}: ${problem.problems.join('; ')}`).join(', ')}. Nothing was changed.`,
        undefined,
        problems,
      );
    }
    const diff = diffOf(envelope.order, order);
    const report: EditReport = { recordId, diff, before: envelope.order, after: order };
    if (dryRun) {
      return report;
    }
    const planId = await this.audit.transaction(async (manager, append) => {
      report.editId = await this.records.saveEdit(manager, {
        recordId,
        before: body,
        after: JSON.stringify(corrected),
        diff,
        actor: by.actor,
      });
      await append({
        ...by,
        action: 'edit',
        recordIds: [recordId],
        detail: { editId: report.editId, paths: diff.map((entry) => entry.path) },
      });
      return report.editId;
    });
    const { plan } = await this.redrive.plan(
      { ids: [recordId], states: OPEN_STATES },
      { edit: planId, record: recordId },
      by,
    );
    report.retry = await this.redrive.apply(plan.id, by);
    return report;
  }

  private async theOpenRecord(
    key: string,
  ): Promise<{ recordId: string; body: string; envelope: Envelope }> {
    const found = await Promise.all(
      (await this.records.idsOf(key)).map((id) => this.records.inFull(id)),
    );
    const open = found.filter((full) => full && OPEN_STATES.includes(full.record.state));
    if (open.length === 0) {
      throw notFound(`an open record for ${key}`);
    }
    if (open.length > 1) {
      throw new OperationsException(
        OperationsErrorCode.NotEditable,
        `${key} names ${open.length} open records: edit one at a time by record id`,
      );
    }
    const full = open[0] as NonNullable<(typeof open)[number]>;
    let envelope: Envelope | undefined;
    try {
      envelope = JSON.parse(full.body);
    } catch {
      envelope = undefined;
    }
    // Not an object with an order id: malformed JSON, null, a number, an array, an unknown shape.
    if (typeof envelope?.orderId !== 'string') {
      throw new OperationsException(
        OperationsErrorCode.NotEditable,
        `record ${full.record.id} is not an order envelope with an order id (${full.record.failureCode}): there is no order to correct; discard it instead`,
      );
    }
    return { recordId: full.record.id, body: full.body, envelope };
  }
}

/** Paths that differ between two JSON values, with both sides. */
export function diffOf(before: unknown, after: unknown, path = ''): DiffEntry[] {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object';
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => diffOf(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [{ path: path || '.', before, after }];
}
