import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** One cheap call that proves the queue is reachable with our credentials, and reads its depth. */
export async function probeQueue(
  client: SQSClient,
  queueUrl: string,
  timeoutMs: number,
): Promise<QueueDepth> {
  const response = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
    { abortSignal: AbortSignal.timeout(timeoutMs) },
  );
  const attributes = response.Attributes ?? {};
  return {
    visible: Number(attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}
