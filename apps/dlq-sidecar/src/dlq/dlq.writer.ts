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
import { isFailureAttribute, ReceivedDeadLetter } from './dead-letter';

type OrderEntry = Omit<SendMessageBatchRequestEntry, 'Id'>;

export interface MoveResult {
  /** Accepted by the orders queue. */
  sent: number;
  /** Message ids deleted from the DLQ: sent and then deleted. */
  deleted: string[];
}

/**
 * The only code that changes the queues. A dead letter goes back to the orders queue first and is
 * deleted from the DLQ only once SQS accepted it, so a crash in between duplicates (absorbed by the
 * processor's idempotent insert) and never loses.
 */
@Injectable()
export class DlqWriter {
  constructor(
    private readonly sqs: SQSClient,
    private readonly config: DlqSidecarConfig,
  ) {}

  /** `body` replaces the letter's body (edit and retry); otherwise it is sent unchanged and keeps its order id. */
  async moveToOrdersQueue(letters: ReceivedDeadLetter[], body?: string): Promise<MoveResult> {
    // A span of its own that links to each letter's first trace; the SDK's send span inside it
    // writes its context into the messages, so their next processing joins this trace.
    const sent = await redriveInSpan(
      queueNameOfUrl(this.config.ORDERS_QUEUE_URL),
      letters.map(({ message }) => message),
      () => this.sendToOrdersQueue(letters, body),
    );
    return { sent: sent.length, deleted: await this.deleteFromDlq(sent) };
  }

  /** Returns the message ids deleted. */
  async deleteFromDlq(letters: ReceivedDeadLetter[]): Promise<string[]> {
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

  // The one place where dead letters are sent back: a redrive's send, for tracing too.
  private async sendToOrdersQueue(
    letters: ReceivedDeadLetter[],
    body: string | undefined,
  ): Promise<ReceivedDeadLetter[]> {
    const accepted: ReceivedDeadLetter[] = [];
    for (const batch of sqsBatches(
      letters.map((letter) => ({ letter, entry: orderEntryOf(letter, body) })),
      ({ entry }) => messageSize(entry.MessageBody ?? '', entry.MessageAttributes),
    )) {
      const response = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.config.ORDERS_QUEUE_URL,
          Entries: batch.map(({ entry }, index) => ({ ...entry, Id: String(index) })),
        }),
      );
      const ok = new Set((response.Successful ?? []).map((result) => result.Id));
      batch.forEach(({ letter }, index) => ok.has(String(index)) && accepted.push(letter));
    }
    return accepted;
  }
}

/** The dead letter as an order message again: its body, its attributes minus the failure details. */
function orderEntryOf({ message }: ReceivedDeadLetter, body: string | undefined): OrderEntry {
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
    MessageBody: body ?? message.Body ?? '',
    MessageAttributes: Object.keys(attributes).length > 0 ? attributes : undefined,
  };
}
