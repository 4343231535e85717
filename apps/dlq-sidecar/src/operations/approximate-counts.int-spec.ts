import { SQSClient } from '@aws-sdk/client-sqs';
import { LazyDataSource } from '@orders/persistence';
import { createQueuePair, migratedDatabase, QueuePair, testSqsClient } from '@orders/testing';
import { deadOrders, sendAll } from '../../testing/dead-letter.seeds';
import { dlqOperations } from '../../testing/operations';
import { lagCounts } from '../../testing/lagging-counts';
import { queueDepth } from '../../testing/processes';
import { DlqOperations } from './dlq-operations';
import { list } from './list';
import { redrive } from './redrive';

describe('list and redrive under SQS counts that lag (real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let ops: DlqOperations;

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    // As Amazon SQS may report right after an earlier run: letters "in flight" that nobody holds.
    const lagging = lagCounts(testSqsClient(), { inFlight: 9 });
    ops = dlqOperations(lagging, database, queues, { DLQ_CLI_VISIBILITY_SECONDS: '5' });
  });

  afterAll(() => database?.close());

  it('should neither wait for nor report letters "hidden by another reader" that only a stale count claims', async () => {
    await sendAll(
      sqs,
      queues.dlqUrl,
      deadOrders(12, 'REJECTED_BY_DATABASE', 'deadlock detected').seeds,
    );
    const waits: number[] = [];

    const listed = await list(ops, {}, 50);
    const moved = await redrive(ops, {
      filter: { reason: 'REJECTED_BY_DATABASE' },
      actor: 'counts-test',
      via: 'cli',
      onProgress: (progress) => progress.waitingSeconds && waits.push(progress.waitingSeconds),
    });

    expect(listed).toMatchObject({ examined: 12, matched: 12, leftHidden: false });
    expect(moved).toMatchObject({
      status: 'completed',
      matched: 12,
      succeeded: 12,
      leftHidden: false,
    });
    expect(waits).toEqual([]);
    expect(await queueDepth(sqs, queues.dlqUrl)).toMatchObject({ total: 0 });
  });
});
