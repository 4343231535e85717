import type { Message } from '@aws-sdk/client-sqs';
import { MessageAttribute } from '@orders/contracts';
import { readAttribute } from '@orders/messaging';

/** The failure group of letters that SQS moved itself after maxReceiveCount: they carry no reason. */
export const MOVED_BY_SQS = 'MOVED_BY_SQS';

export interface StoredAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64 of the bytes. */
  BinaryValue?: string;
}

/** One letter as SQS delivered it, plus what was read from it. Nothing is cleaned: display code escapes. */
export interface Letter {
  messageId: string;
  body: string;
  attributes: Record<string, StoredAttribute>;
  systemAttributes: Record<string, string>;
  failureCode: string;
  failureReason: string;
  failureDetail: { class?: string; failedBy?: string; attempts?: number; movedBySqs: boolean };
  receiveCount: number;
  sentAt: Date;
  firstFailedAt: Date;
  lastFailedAt: Date;
  orderId?: string;
  clientId?: string;
  customerId?: string;
  traceId?: string;
}

/** Never throws: a letter that is no order at all is recorded as well, with what could be read. */
export function letterOf(message: Message, now: Date = new Date()): Letter {
  const system = message.Attributes ?? {};
  const receiveCount = positiveInt(system.ApproximateReceiveCount) ?? 1;
  const sentMs = positiveInt(system.SentTimestamp);
  const sentAt = sentMs === undefined ? now : new Date(sentMs);
  const code = readAttribute(message, MessageAttribute.FailureCode);
  // Moved by the redrive policy: the receive count on the orders queue is all there is.
  const movedBySqs = code === undefined;
  const lastFailedAt = movedBySqs
    ? sentAt
    : (isoDate(readAttribute(message, MessageAttribute.LastFailureAt)) ?? sentAt);
  const attempts = positiveInt(readAttribute(message, MessageAttribute.FailureAttempts));
  return {
    messageId: message.MessageId ?? '',
    body: message.Body ?? '',
    attributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          DataType: value.DataType ?? 'String',
          ...(value.StringValue === undefined ? {} : { StringValue: value.StringValue }),
          ...(value.BinaryValue === undefined
            ? {}
            : { BinaryValue: Buffer.from(value.BinaryValue).toString('base64') }),
        },
      ]),
    ),
    systemAttributes: { ...system },
    failureCode: movedBySqs ? MOVED_BY_SQS : groupKeyOf(code),
    failureReason: movedBySqs
      ? 'moved by SQS after maxReceiveCount receives'
      : readAttribute(message, MessageAttribute.FailureMessage)?.trim() || code,
    failureDetail: {
      class: readAttribute(message, MessageAttribute.FailureClass),
      failedBy: readAttribute(message, MessageAttribute.FailedBy),
      attempts,
      movedBySqs,
    },
    receiveCount,
    sentAt,
    firstFailedAt: isoDate(readAttribute(message, MessageAttribute.FirstFailureAt)) ?? lastFailedAt,
    lastFailedAt,
    ...bodyIds(message.Body),
    traceId: /^[\da-f]{2}-([\da-f]{32})-/.exec(
      readAttribute(message, MessageAttribute.TraceParent) ?? '',
    )?.[1],
  };
}

/** Failure codes become Alertmanager label values and filters: short and plain. */
export function groupKeyOf(code: string): string {
  const cleaned = code
    .trim()
    .slice(0, 128)
    .replace(/[^A-Za-z0-9_.:-]/g, '_');
  return cleaned.length > 0 ? cleaned.toUpperCase() : 'UNKNOWN';
}

function bodyIds(body: string | undefined): Pick<Letter, 'orderId' | 'clientId' | 'customerId'> {
  let parsed: { orderId?: unknown; clientId?: unknown; order?: { customerId?: unknown } };
  try {
    parsed = JSON.parse(body ?? '') ?? {};
  } catch {
    return {};
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  return {
    orderId: text(parsed.orderId),
    clientId: text(parsed.clientId),
    customerId: text(typeof parsed.order === 'object' ? parsed.order?.customerId : undefined),
  };
}

function positiveInt(value: string | undefined): number | undefined {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : undefined;
}

function isoDate(value: string | undefined): Date | undefined {
  const parsed = value ? Date.parse(value) : NaN;
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}
