import type { Message } from '@aws-sdk/client-sqs';
import { FAILURE_ATTRIBUTES, MessageAttribute } from '@orders/contracts';
import { readAttribute } from '@orders/messaging';
import { terminalText } from './display-text';

/** The group of dead letters that SQS moved itself after maxReceiveCount: they carry no reason. */
export const MOVED_BY_SQS = 'MOVED_BY_SQS';

const MAX_ID_LENGTH = 128;

/** What an operator needs to know about one dead letter; the body itself is not kept. Customer text is terminal-safe. */
export interface DeadLetter {
  messageId: string;
  /** The failure code (the alert group), or MOVED_BY_SQS. */
  groupKey: string;
  reason: string;
  failureClass?: string;
  /** Receives before it was given up; for MOVED_BY_SQS counted from ApproximateReceiveCount. */
  attempts?: number;
  firstFailureAt: Date;
  /** Unknown for dead letters moved by SQS. */
  lastFailureAt?: Date;
  failedBy?: string;
  movedBySqs: boolean;
  orderId?: string;
  customerId?: string;
  /** The API client that placed the order; older letters do not carry it. */
  clientId?: string;
  correlationId?: string;
  /** ApproximateReceiveCount on the DLQ, this receive included (every peek adds one). */
  receiveCount: number;
  /** SentTimestamp: when the processor dead-lettered it, or when the order was first sent (moved by SQS). SQS retention counts from it. */
  sentAt: Date;
  bodyBytes: number;
}

/** A dead letter as received, with what a redrive needs to put it back. */
export interface ReceivedDeadLetter {
  letter: DeadLetter;
  message: Message;
}

export function isFailureAttribute(name: string): boolean {
  return FAILURE_ATTRIBUTES.includes(name);
}

/** The time a dead letter counts as failed at, for time filters and sorting. */
export function failedAt(letter: DeadLetter): Date {
  return letter.lastFailureAt ?? letter.firstFailureAt;
}

export function parseDeadLetter(message: Message, now: Date = new Date()): DeadLetter {
  const system = message.Attributes ?? {};
  const receiveCount = positiveInt(system.ApproximateReceiveCount) ?? 1;
  const sentAt = timestamp(system.SentTimestamp) ?? now;
  const body = bodyFields(message.Body);
  const code = readAttribute(message, MessageAttribute.FailureCode);
  const common = {
    messageId: message.MessageId ?? 'unknown',
    orderId: body.orderId,
    customerId: body.customerId,
    clientId: body.clientId,
    correlationId: clip(readAttribute(message, MessageAttribute.CorrelationId)),
    receiveCount,
    sentAt,
    bodyBytes: Buffer.byteLength(message.Body ?? ''),
  };
  if (code === undefined) {
    // Moved by the redrive policy: the receive count is all there is. This receive is ours, not a failure.
    const attempts = Math.max(1, receiveCount - 1);
    return {
      ...common,
      groupKey: MOVED_BY_SQS,
      reason: `moved by SQS after ${attempts} receives`,
      attempts,
      firstFailureAt: timestamp(system.ApproximateFirstReceiveTimestamp) ?? sentAt,
      movedBySqs: true,
    };
  }
  const lastFailureAt = isoDate(readAttribute(message, MessageAttribute.LastFailureAt)) ?? sentAt;
  return {
    ...common,
    groupKey: groupKeyOf(code),
    reason: terminalText(readAttribute(message, MessageAttribute.FailureMessage)?.trim() || code),
    failureClass: clip(readAttribute(message, MessageAttribute.FailureClass)),
    attempts: positiveInt(readAttribute(message, MessageAttribute.FailureAttempts)),
    firstFailureAt:
      isoDate(readAttribute(message, MessageAttribute.FirstFailureAt)) ?? lastFailureAt,
    lastFailureAt,
    failedBy: clip(readAttribute(message, MessageAttribute.FailedBy)),
    movedBySqs: false,
  };
}

/** Group keys become Alertmanager label values and CLI filters: keep them short and plain. */
export function groupKeyOf(code: string): string {
  const cleaned = code
    .trim()
    .slice(0, MAX_ID_LENGTH)
    .replace(/[^A-Za-z0-9_.:-]/g, '_');
  return cleaned.length > 0 ? cleaned.toUpperCase() : 'UNKNOWN';
}

/** A poison body may be anything: take the ids when they are there, never fail. */
function bodyFields(body: string | undefined): {
  orderId?: string;
  customerId?: string;
  clientId?: string;
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== 'object') {
    return {};
  }
  const envelope = parsed as {
    orderId?: unknown;
    clientId?: unknown;
    order?: { customerId?: unknown } | null;
  };
  const order = envelope.order !== null && typeof envelope.order === 'object' ? envelope.order : {};
  return {
    orderId: typeof envelope.orderId === 'string' ? clip(envelope.orderId) : undefined,
    customerId: typeof order.customerId === 'string' ? clip(order.customerId) : undefined,
    clientId: typeof envelope.clientId === 'string' ? clip(envelope.clientId) : undefined,
  };
}

// Every text taken from a letter is customer-supplied: inert for terminals and logs from here on.
function clip(value: string | undefined): string | undefined {
  return value === undefined || value === ''
    ? undefined
    : terminalText(value.slice(0, MAX_ID_LENGTH));
}

function positiveInt(value: string | undefined): number | undefined {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : undefined;
}

function timestamp(value: string | undefined): Date | undefined {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? new Date(parsed) : undefined;
}

function isoDate(value: string | undefined): Date | undefined {
  const parsed = value ? Date.parse(value) : NaN;
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}

/** `https://sqs.../000000000000/orders-dlq` → `orders-dlq`. */
export function queueNameOf(queueUrl: string): string {
  const name = queueUrl.split('?')[0].replace(/\/+$/, '').split('/').pop();
  return (name || queueUrl).slice(0, 80);
}
