import { SQSClient } from '@aws-sdk/client-sqs';
import { LazyDataSource } from '@orders/persistence';
import { createQueuePair, migratedDatabase, QueuePair, testSqsClient } from '@orders/testing';
import { deadOrders, sendAll } from '../../testing/dead-letter.seeds';
import { dlqOperations } from '../../testing/operations';
import { DlqOperations } from './dlq-operations';
import { OperationsErrorCode } from './operations.exception';
import { show } from './show';

describe('operator scans of one DLQ take turns (real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let ops: DlqOperations;

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    ops = dlqOperations(sqs, database, queues, { DLQ_CLI_VISIBILITY_SECONDS: '3' });
  });

  afterAll(() => database?.close());

  /** A scan (as a list does) that holds the letters of its first batch, received so hidden, until told to go on. */
  async function holdingScan() {
    let goOn!: () => void;
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const outcome = ops.scan({}, async () => {
      holding();
      await new Promise<void>((resolve) => (goOn = resolve));
    });
    await held;
    return { outcome, goOn };
  }

  const marksLeft = () =>
    database.queryWithin(1000, `SELECT id FROM dlq_scan_marks WHERE dlq_name = $1`, [ops.dlqName]);

  it('should show a letter that an earlier scan hides at that moment, once that scan ends, instead of "not found"', async () => {
    const { seeds, orderIds } = deadOrders(1, 'INVALID_ENVELOPE', 'order.currency is not ISO 4217');
    await sendAll(sqs, queues.dlqUrl, seeds);
    const earlier = await holdingScan();
    const waits: number[] = [];

    const shown = show(ops, orderIds[0]);
    setTimeout(() => earlier.goOn(), 1000);

    expect((await shown).map(({ letter }) => letter.orderId)).toEqual(orderIds);
    // Neither waited for the other to the end of its patience.
    expect(await earlier.outcome).toMatchObject({ examined: 1, complete: true, leftHidden: false });
    expect(await marksLeft()).toEqual([]);
    // The letter is back for the next reader.
    expect(
      await ops.scan({ onWaiting: (seconds) => waits.push(seconds) }, async () => undefined),
    ).toMatchObject({ examined: 1, complete: true });
    expect(waits).toEqual([]);
  });

  it('should refuse to start, having read nothing, while an earlier scan runs longer than a killed one could hide letters', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(1, 'HANDLER_TIMEOUT', 'not finished').seeds);
    const earlier = await holdingScan();
    const started = Date.now();

    const refused = await show(ops, 'any-order').catch((error: unknown) => error);
    earlier.goOn();

    expect(refused).toMatchObject({ code: OperationsErrorCode.ScanInProgress });
    // A killed scan's mark runs out in the visibility timeout plus two renewals: that long it waited.
    expect(Date.now() - started).toBeGreaterThan(7000);
    expect(await earlier.outcome).toMatchObject({ complete: true, leftHidden: false });
    expect(await marksLeft()).toEqual([]);
  }, 30_000);

  it('should not refuse for a watcher that died mid-scan: its lease row still marks letters hidden, yet the letter is shown', async () => {
    const { seeds, orderIds } = deadOrders(1, 'REJECTED_BY_DATABASE', 'deadlock detected');
    await sendAll(sqs, queues.dlqUrl, seeds);
    // The leader marked a scan and vanished: the mark lasts as long as its lease.
    await database.queryWithin(
      1000,
      `INSERT INTO dlq_leader_lease (dlq_name, holder, term, expires_at, scan_until)
       VALUES ($1, 'vanished-leader', 1, now() + interval '60 seconds', now() + interval '60 seconds')`,
      [ops.dlqName],
    );
    try {
      const shown = await show(ops, orderIds[0]);

      expect(shown.map(({ letter }) => letter.orderId)).toEqual(orderIds);
    } finally {
      await database.queryWithin(1000, `DELETE FROM dlq_leader_lease WHERE dlq_name = $1`, [
        ops.dlqName,
      ]);
    }
  }, 30_000);
});
