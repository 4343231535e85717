import type { Message } from '@aws-sdk/client-sqs';
import { MessageAttribute } from '@orders/contracts';
import { readAttribute } from '@orders/messaging';
import type { ProcessingException } from './processing.exception';

/** One SQS message as a message handler gets it: the body parsed once, the delivery beside it. */
export interface ReceivedMessage {
  body: Record<string, unknown>;
  message: Message;
}

/** What a handler reports for each message it was given, in the same order. */
export type MessageOutcome = 'stored' | 'duplicate' | ProcessingException;

export function correlationIdOf(message: Message): string | undefined {
  return readAttribute(message, MessageAttribute.CorrelationId);
}

export function receiveCountOf(message: Pick<Message, 'Attributes'>): number {
  return Math.max(1, Number(message.Attributes?.ApproximateReceiveCount ?? 1) || 1);
}

/** Fields every log line about one message carries; the body is not trusted to be an order. */
export function messageLogFields(message: Message, body?: Record<string, unknown>) {
  return {
    messageId: message.MessageId,
    orderId: typeof body?.orderId === 'string' ? body.orderId.slice(0, 64) : undefined,
    correlationId: correlationIdOf(message),
    receiveCount: receiveCountOf(message),
  };
}
