import { MessageAttributeValue, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import { FAILURE_ATTRIBUTES } from '@orders/contracts';
import { messageSize, queueNameOfUrl, redriveInSpan, sqsBatches } from '@orders/messaging';
import { Sendable } from '../records/plans.store';
import { OperationsErrorCode, OperationsException } from './operations.exception';

export interface SendResult {
  sent: string[];
  /** Refused by SQS, by record id, with its reason: sending them again would not help. */
  refused: Map<string, string>;
}

/** The one place where records go back to the orders queue: their body, their attributes minus the failure ones. */
@Injectable()
export class OrdersSender {
  constructor(
    private readonly sqs: SQSClient,
    private readonly config: DlqSidecarConfig,
  ) {}

  async send(records: Sendable[]): Promise<SendResult> {
    const result: SendResult = { sent: [], refused: new Map() };
    const entries = records.map((record) => ({ record, attributes: attributesOf(record) }));
    // A span that links to each letter's first trace; the SDK's send span carries the context onward.
    await redriveInSpan(
      queueNameOfUrl(this.config.ORDERS_QUEUE_URL),
      records.map((record) => ({
        MessageId: record.messageId,
        MessageAttributes: attributesOf(record),
      })),
      async () => {
        for (const batch of sqsBatches(entries, (entry) =>
          messageSize(entry.record.body, entry.attributes),
        )) {
          const response = await this.sqs
            .send(
              new SendMessageBatchCommand({
                QueueUrl: this.config.ORDERS_QUEUE_URL,
                Entries: batch.map(({ record, attributes }, index) => ({
                  Id: String(index),
                  MessageBody: record.body,
                  MessageAttributes: Object.keys(attributes).length > 0 ? attributes : undefined,
                })),
              }),
            )
            .catch((error: unknown) => {
              throw new OperationsException(
                OperationsErrorCode.QueueUnavailable,
                `SQS did not take the orders: ${error instanceof Error ? error.message : String(error)}`,
                error,
              );
            });
          (response.Successful ?? []).forEach((ok) =>
            result.sent.push(batch[Number(ok.Id)].record.recordId),
          );
          (response.Failed ?? []).forEach((failed) =>
            result.refused.set(
              batch[Number(failed.Id)].record.recordId,
              `${failed.Code}: ${failed.Message ?? ''}`,
            ),
          );
        }
      },
    );
    return result;
  }
}

function attributesOf(record: Sendable): Record<string, MessageAttributeValue> {
  return Object.fromEntries(
    Object.entries(record.attributes)
      .filter(([name]) => !FAILURE_ATTRIBUTES.includes(name))
      .map(([name, value]) => [
        name,
        {
          DataType: value.DataType,
          StringValue: value.StringValue,
          BinaryValue:
            value.BinaryValue === undefined ? undefined : Buffer.from(value.BinaryValue, 'base64'),
        },
      ]),
  );
}
