import { DeadLetter, ReceivedDeadLetter } from '../dlq/dead-letter';
import { matchesFilter } from '../dlq/dead-letter.filter';
import { DlqOperations } from './dlq-operations';
import { OperationsErrorCode, OperationsException } from './operations.exception';

export interface ShownDeadLetter {
  letter: DeadLetter;
  body: string;
  attributes: Record<string, string>;
  systemAttributes: Record<string, string>;
  ageSeconds: number;
  /** When SQS deletes it: its SentTimestamp plus the DLQ's retention period. */
  expiresAt?: Date;
}

/** The letters with this message id or order id (an order can have several), as received. */
export async function findLetters(ops: DlqOperations, id: string): Promise<ReceivedDeadLetter[]> {
  const found: ReceivedDeadLetter[] = [];
  await ops.scan({}, async (batch) => {
    found.push(...batch.filter(({ letter }) => matchesFilter(letter, { order: id })));
  });
  if (found.length === 0) {
    throw new OperationsException(
      OperationsErrorCode.NotFound,
      `No dead letter with message id or order id ${id} in ${ops.dlqName}`,
    );
  }
  return found;
}

/** One dead letter in full: body, attributes, reason, receive count, age. */
export async function show(ops: DlqOperations, id: string): Promise<ShownDeadLetter[]> {
  const found = await findLetters(ops, id);
  const { retentionSeconds } = await ops.reader
    .depth()
    .catch(() => ({ retentionSeconds: undefined }));
  return found.map(({ letter, message }) => ({
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
    expiresAt: retentionSeconds
      ? new Date(letter.sentAt.getTime() + retentionSeconds * 1000)
      : undefined,
  }));
}
