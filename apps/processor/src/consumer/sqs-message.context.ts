import type { Message } from '@aws-sdk/client-sqs';
import { BaseRpcContext } from '@nestjs/microservices';
import { MessageAttribute } from '@orders/contracts';
import { readAttribute } from '@orders/messaging';

/** What a message handler may know about the SQS delivery it is working on (`@Ctx()`). */
export class SqsMessageContext extends BaseRpcContext<[Message]> {
  get message(): Message {
    return this.args[0];
  }

  get correlationId(): string | undefined {
    return readAttribute(this.message, MessageAttribute.CorrelationId);
  }

  get traceparent(): string | undefined {
    return readAttribute(this.message, MessageAttribute.TraceParent);
  }

  get receiveCount(): number {
    return Number(this.message.Attributes?.ApproximateReceiveCount ?? 1);
  }
}

/** Fields every log line about one message carries, read without trusting the body. */
export function messageLogFields(message: Message | undefined): {
  messageId?: string;
  orderId?: string;
  correlationId?: string;
  receiveCount?: number;
} {
  if (!message) {
    return {};
  }
  let orderId: string | undefined;
  try {
    const body = JSON.parse(message.Body ?? '') as { orderId?: unknown };
    orderId = typeof body?.orderId === 'string' ? body.orderId.slice(0, 64) : undefined;
  } catch {
    // Not JSON: there is no order id to report.
  }
  return {
    messageId: message.MessageId,
    orderId,
    correlationId: readAttribute(message, MessageAttribute.CorrelationId),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
  };
}
