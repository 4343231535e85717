import {
  Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { sqsBatches } from '@orders/messaging';

export { queueDepth } from '@orders/testing';

/** Reads (without deleting) every message of a queue that is visible now. */
export async function peekAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      return messages;
    }
    messages.push(...Messages);
  }
}

/** Sends bodies straight to the queue (bypassing the gateway) in batches of ten. */
export async function sendRaw(sqs: SQSClient, queueUrl: string, bodies: string[]): Promise<void> {
  for (const chunk of sqsBatches(bodies)) {
    const response = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
    if ((response.Failed ?? []).length > 0) {
      throw new Error(`SQS refused ${response.Failed?.length} messages`);
    }
  }
}
