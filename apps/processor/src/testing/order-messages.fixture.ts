import {
  Message,
  MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateOrderDto, MessageAttribute } from '@orders/contracts';
import { orderFactory } from '@orders/contracts/testing';
import { sqsBatches } from '@orders/messaging';
import { randomUUID } from 'node:crypto';

export interface OutgoingMessage {
  body: string;
  attributes?: Record<string, MessageAttributeValue>;
}

/** A valid `order.accepted` v1 body, as the gateway would enqueue it. */
export function orderMessage(
  orderId = randomUUID(),
  order: Partial<CreateOrderDto> = {},
): OutgoingMessage {
  const envelope = orderFactory.envelope({
    orderId,
    order: { customerId: 'customer-int-spec', ...order },
  });
  return {
    body: JSON.stringify(envelope),
    attributes: {
      [MessageAttribute.CorrelationId]: { DataType: 'String', StringValue: `corr-${orderId}` },
    },
  };
}

export async function sendMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: OutgoingMessage[],
): Promise<void> {
  for (const chunk of sqsBatches(messages)) {
    const response = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((message, index) => ({
          Id: String(index),
          MessageBody: message.body,
          MessageAttributes: message.attributes,
        })),
      }),
    );
    if ((response.Failed ?? []).length > 0) {
      throw new Error(`SendMessageBatch refused ${response.Failed?.length} entries`);
    }
  }
}

/** Receives (without deleting) everything that becomes visible within the window. */
export async function receiveAll(
  sqs: SQSClient,
  queueUrl: string,
  windowMs: number,
  visibilityTimeoutSeconds = 60,
): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + windowMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: visibilityTimeoutSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    messages.push(...Messages);
  }
  return messages;
}

/** A received SQS message as the transport hands it to a handler (body parsed once). */
export function receivedOrder(
  orderId = randomUUID(),
  order: Partial<CreateOrderDto> = {},
): { body: Record<string, unknown>; message: Message } {
  const { body, attributes } = orderMessage(orderId, order);
  return {
    body: JSON.parse(body) as Record<string, unknown>,
    message: {
      MessageId: `message-${orderId}`,
      ReceiptHandle: `receipt-${orderId}`,
      Body: body,
      MessageAttributes: attributes,
    },
  };
}
