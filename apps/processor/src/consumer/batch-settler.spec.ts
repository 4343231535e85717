import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityBatchRequestEntry,
  DeleteMessageBatchCommand,
  Message,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Registry } from 'prom-client';
import { ProcessingErrorCode, ProcessingException } from '../messages/processing.exception';
import { MessageOutcome } from '../messages/received-message';
import { ProcessorMetrics } from '../metrics/processor.metrics';
import { processorConfig } from '../testing/processor-config.fixture';
import { BatchSettler } from './batch-settler';
import { DatabaseGate } from './database-gate';
import { DeadLetterPublisher } from './dead-letter.publisher';

class RecordingSqs {
  readonly deleted: string[] = [];
  deleteCalls = 0;
  /** Receipt handles SQS answers as failed entries of DeleteMessageBatch. */
  failDeletes = new Set<string>();
  readonly visibilityChanges: ChangeMessageVisibilityBatchRequestEntry[] = [];

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ChangeMessageVisibilityBatchCommand) {
      this.visibilityChanges.push(...(command.input.Entries ?? []));
    }
    if (command instanceof DeleteMessageBatchCommand) {
      this.deleteCalls += 1;
      this.deleted.push(...(command.input.Entries ?? []).map((entry) => entry.ReceiptHandle ?? ''));
      const failed = (command.input.Entries ?? []).filter((entry) =>
        this.failDeletes.has(entry.ReceiptHandle ?? ''),
      );
      return {
        Successful: [],
        Failed: failed.map((entry) => ({
          Id: entry.Id,
          Code: 'InternalError',
          SenderFault: false,
        })),
      };
    }
    return { Successful: [], Failed: [] };
  }
}

function message(orderId: string, receiveCount = 1): Message {
  return {
    MessageId: `message-${orderId}`,
    ReceiptHandle: `receipt-${orderId}-${receiveCount}`,
    Body: JSON.stringify({ type: 'order.accepted', version: 1, orderId }),
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

const failed = (code: ProcessingErrorCode) => new ProcessingException(code, `scripted ${code}`);

function settlerWith(options: { deadLetterFails?: boolean } = {}) {
  const config = processorConfig({ REDELIVERY_BASE_SECONDS: '2', REDELIVERY_MAX_SECONDS: '30' });
  const sqs = new RecordingSqs();
  const deadLettered: { message: Message; failure: ProcessingException }[] = [];
  const deadLetters = {
    publish: async (message: Message, failure: ProcessingException) => {
      if (options.deadLetterFails) {
        throw new Error('SQS unavailable');
      }
      deadLettered.push({ message, failure });
    },
  };
  const outages: string[] = [];
  const gate = { reportOutage: (reason: string) => outages.push(reason) };
  const registry = new Registry();
  const settler = new BatchSettler(
    deadLetters as unknown as DeadLetterPublisher,
    gate as unknown as DatabaseGate,
    sqs as unknown as SQSClient,
    config,
    new ProcessorMetrics(registry),
  );
  const settleOnly = (batch: [Message, MessageOutcome][]) =>
    settler.settle(
      batch.map(([message, outcome]) => ({ message, outcome })),
      Date.now(),
    );
  // What the drain does last: the deletes still waiting for company are sent.
  const settle = async (batch: [Message, MessageOutcome][]) => {
    await settleOnly(batch);
    await settler.flushDeletes();
  };
  return { settle, settleOnly, settler, sqs, deadLettered, outages, registry };
}

describe(BatchSettler.name, () => {
  it('should delete stored and dead-lettered messages and hand back the transient ones when a batch mixes outcomes', async () => {
    const { settle, sqs, deadLettered, outages } = settlerWith();

    await settle([
      [message('a'), 'stored'],
      [message('b'), failed(ProcessingErrorCode.InvalidEnvelope)],
      [message('c'), failed(ProcessingErrorCode.DatabaseUnavailable)],
      [message('d'), 'duplicate'],
    ]);

    expect(sqs.deleted.sort()).toEqual(['receipt-a-1', 'receipt-b-1', 'receipt-d-1']);
    expect(deadLettered.map((entry) => [entry.message.MessageId, entry.failure.code])).toEqual([
      ['message-b', 'INVALID_ENVELOPE'],
    ]);
    expect(sqs.visibilityChanges.map((entry) => entry.ReceiptHandle)).toEqual(['receipt-c-1']);
    // Other orders were stored, so the database is up: no pause.
    expect(outages).toEqual([]);
  });

  it('should hand transient failures back with a delay that doubles per receive', async () => {
    const { settle, sqs } = settlerWith();
    const unavailable = failed(ProcessingErrorCode.DatabaseUnavailable);

    await settle([
      [message('a', 1), unavailable],
      [message('b', 2), unavailable],
      [message('c', 3), unavailable],
      [message('d', 9), unavailable],
    ]);

    expect(sqs.deleted).toEqual([]);
    expect(
      Object.fromEntries(
        sqs.visibilityChanges.map((entry) => [entry.ReceiptHandle, entry.VisibilityTimeout]),
      ),
    ).toEqual({
      'receipt-a-1': 2,
      'receipt-b-2': 4,
      'receipt-c-3': 8,
      'receipt-d-9': 30,
    });
  });

  it('should pause polling when no message could be stored because the database is unavailable', async () => {
    const { settle, outages } = settlerWith();

    await settle([
      [message('a'), failed(ProcessingErrorCode.DatabaseUnavailable)],
      [message('b'), failed(ProcessingErrorCode.DatabaseUnavailable)],
      [message('c'), failed(ProcessingErrorCode.MalformedJson)],
    ]);

    // A poison message in the same batch does not hide the outage.
    expect(outages).toEqual(['scripted DATABASE_UNAVAILABLE']);
  });

  it('should not pause polling when transient failures are not the database', async () => {
    const { settle, outages } = settlerWith();

    await settle([[message('a'), failed(ProcessingErrorCode.Unexpected)]]);

    expect(outages).toEqual([]);
  });

  it('should leave a permanent failure in the queue when the DLQ cannot be reached', async () => {
    const { settle, sqs, deadLettered } = settlerWith({ deadLetterFails: true });

    await settle([
      [message('a'), failed(ProcessingErrorCode.RejectedByDatabase)],
      [message('b'), 'stored'],
    ]);

    expect(sqs.deleted).toEqual(['receipt-b-1']);
    expect(sqs.visibilityChanges).toEqual([]);
    expect(deadLettered).toEqual([]);
  });

  it('should delete the stored messages of several batches in one call once ten are settled', async () => {
    const { settleOnly, settler, sqs } = settlerWith();
    const stored = (ids: string[]) =>
      ids.map((id): [Message, MessageOutcome] => [message(id), 'stored']);

    await settleOnly(stored(['a', 'b', 'c', 'd']));
    await settleOnly(stored(['e', 'f', 'g']));
    await settleOnly(stored(['h', 'i', 'j', 'k']));
    await new Promise((resolve) => setImmediate(resolve));

    // Ten in one DeleteMessageBatch at once; the eleventh waits for company (or the drain).
    expect(sqs.deleteCalls).toBe(1);
    expect(sqs.deleted).toHaveLength(10);
    await settler.flushDeletes();
    expect(sqs.deleteCalls).toBe(2);
    expect(sqs.deleted).toContain('receipt-k-1');
  });

  it('should count a failed entry of DeleteMessageBatch instead of ignoring it as sqs-consumer does', async () => {
    const { settle, sqs, registry } = settlerWith();
    sqs.failDeletes.add('receipt-b-1');

    await settle([
      [message('a'), 'stored'],
      [message('b'), 'stored'],
    ]);

    const failures = await registry.getSingleMetric('sqs_delete_failures_total')?.get();
    expect(failures?.values[0]?.value).toBe(1);
  });
});
