import {
  CONTRACT_VALIDATION,
  describeValidationErrors,
  toOrderAcceptedEnvelope,
} from '@orders/contracts';
import { validateSync } from 'class-validator';
import { ReceivedDeadLetter } from '../dlq/dead-letter';
import { DlqOperations } from './dlq-operations';
import { OperationsErrorCode, OperationsException } from './operations.exception';
import { RunReport, RunRequest, runOnLetters } from './run-loop';
import { findLetters } from './show';

export interface EditableOrder {
  messageId: string;
  orderId: string;
  /** The `order` of the envelope, the part an operator corrects. */
  order: unknown;
}

export interface EditReport extends RunReport {
  before: unknown;
  after: unknown;
}

/** The order of one dead letter, to be corrected and handed back to editAndRetry. */
export async function editableOrder(ops: DlqOperations, id: string): Promise<EditableOrder> {
  const received = await theOneLetter(ops, id);
  const envelope = envelopeOf(received);
  return { messageId: received.letter.messageId, orderId: envelope.orderId, order: envelope.order };
}

/**
 * Edit and retry: the corrected order replaces the envelope's `order`, is validated against the
 * same contract as the gateway's and the processor's, and goes back to the orders queue under the
 * same order id (the processor's idempotent insert still applies). The audit row keeps both.
 */
export async function editAndRetry(
  ops: DlqOperations,
  request: Omit<RunRequest, 'filter' | 'ratePerSecond'> & { id: string; order: unknown },
): Promise<EditReport> {
  const received = await theOneLetter(ops, request.id);
  const envelope = envelopeOf(received);
  const corrected = { ...envelope, order: request.order };
  const problems = describeValidationErrors(
    validateSync(toOrderAcceptedEnvelope(corrected), CONTRACT_VALIDATION),
  );
  if (problems.length > 0) {
    throw new OperationsException(
      OperationsErrorCode.InvalidOrder,
      `The corrected order breaks the order contract: ${problems.map((problem) => `${problem.field}: ${problem.problems.join('; ')}`).join(', ')}. Nothing was sent.`,
      undefined,
      problems,
    );
  }
  const body = JSON.stringify(corrected);
  const report = await runOnLetters(
    ops,
    'edit',
    { ...request, filter: { order: received.letter.messageId } },
    async (chunk) => {
      const { sent, deleted } = await ops.writer.moveToOrdersQueue(chunk, body);
      return { succeeded: sent, failed: chunk.length - sent, removed: deleted };
    },
    { orderBefore: envelope.order, orderAfter: request.order },
  );
  return { ...report, before: envelope.order, after: request.order };
}

async function theOneLetter(ops: DlqOperations, id: string): Promise<ReceivedDeadLetter> {
  const found = await findLetters(ops, id);
  if (found.length > 1) {
    throw new OperationsException(
      OperationsErrorCode.NotEditable,
      `${id} has ${found.length} dead letters (${found.map(({ letter }) => letter.messageId).join(', ')}): edit one at a time by message id`,
    );
  }
  return found[0];
}

function envelopeOf({
  letter,
  message,
}: ReceivedDeadLetter): Record<string, unknown> & { orderId: string } {
  let envelope: unknown;
  try {
    envelope = JSON.parse(message.Body ?? '');
  } catch {
    envelope = undefined;
  }
  const record = envelope as { orderId?: unknown } | undefined;
  if (
    record === null ||
    typeof record !== 'object' ||
    Array.isArray(record) ||
    typeof record.orderId !== 'string'
  ) {
    throw new OperationsException(
      OperationsErrorCode.NotEditable,
      `Dead letter ${letter.messageId} is not an order envelope with an order id (${letter.groupKey}), so there is no order to correct; redrive or purge it instead`,
    );
  }
  return record as Record<string, unknown> & { orderId: string };
}
