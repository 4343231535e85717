import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
// The shared harness, by path as in bench-stack.mjs (no path alias reaches untranspiled .mjs).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createQueuePair } from '../../../libs/testing/src/stack/stack.mjs';

const ENTRY = fileURLToPath(new URL('./sqs-emulator.process.mjs', import.meta.url));
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** Starts fauxqs in a child process and returns a handle: queues, counts of SQS actions, CPU pid. */
export async function startSqsEmulator() {
  const child = fork(ENTRY, [], {
    env: { ...process.env, AWS_REGION: REGION },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const endpoint = await new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message.endpoint));
    child.once('exit', (code) => reject(new Error(`SQS emulator exited with code ${code}`)));
  });
  let nextId = 0;
  const pending = new Map();
  child.on('message', (message) => {
    const waiter = pending.get(message.id);
    if (waiter) {
      pending.delete(message.id);
      waiter(message);
    }
  });
  const ask = (type) =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      child.send({ id, type });
    });

  const client = new SQSClient({
    region: REGION,
    endpoint,
    credentials: CREDENTIALS,
    maxAttempts: 1,
  });

  return {
    endpoint,
    region: REGION,
    pid: child.pid,
    client,
    /** SQS API calls per action since the emulator started. */
    counts: async () => (await ask('counts')).counts,
    /** A fresh queue and DLQ, wired as in production, so phases never share messages. */
    createQueuePair(label) {
      const suffix = `${label}-${randomUUID().slice(0, 8)}`;
      return createQueuePair(client, {
        queueName: `orders-${suffix}`,
        dlqName: `orders-dlq-${suffix}`,
      });
    },
    async depth(queueUrl) {
      const { Attributes } = await client.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes.ApproximateNumberOfMessages) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible)
      );
    },
    /** Puts `count` messages on the queue with SendMessageBatch (10 per call, `concurrency` calls in flight). */
    async fill(queueUrl, count, makeMessage, concurrency = 4) {
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const size = Math.min(10, count - next);
          const entries = Array.from({ length: size }, (_, index) => ({
            Id: String(index),
            ...makeMessage(next + index),
          }));
          next += size;
          const result = await client.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
          );
          if (result.Failed?.length) {
            throw new Error(`pre-fill: ${result.Failed.length} entries refused`);
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    },
    /**
     * The raw consume ceiling: ReceiveMessage (10) + DeleteMessageBatch loops, nothing else.
     * Returns the count and when each batch was deleted (ms), for windowed rates.
     */
    async receiveDeleteLoop(queueUrl, expected, concurrency = 4) {
      let received = 0;
      const batches = [];
      const loop = async () => {
        while (received < expected) {
          const { Messages = [] } = await client.send(
            new ReceiveMessageCommand({
              QueueUrl: queueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 0,
            }),
          );
          if (Messages.length === 0) {
            continue;
          }
          received += Messages.length;
          await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Messages.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          );
          batches.push({ atMs: Date.now(), count: Messages.length });
        }
      };
      await Promise.all(Array.from({ length: concurrency }, loop));
      return { received, batches };
    },
    async stop() {
      client.destroy();
      if (child.exitCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.send({ type: 'stop' });
        });
      }
    },
  };
}
