import { ChaosStack, metric, startChaosStack, waitUntil } from '../support/chaos-stack';
import { answers, markers, sendOrders } from '../support/order-load';
import { tally } from '../support/tally';

const ORDERS = 1_500;
const CUSTOMER = 'chaos-03-deadlocks';

describe('03 deadlocks and serialization failures while two processor replicas write at once', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('03-deadlocks');
  }, 60_000);

  afterAll(() => chaos?.stop(), 60_000);

  it('should retry the failed transactions and store every order once', async () => {
    const second = await chaos.addProcessor('processor-b');
    const replicas = [chaos.processor.url, second.url];
    // Real deadlocks between concurrent inserts (two advisory locks taken in random order) and
    // SQLSTATE 40001 on a tenth of the statements.
    await chaos.faults.set({ deadlockPercent: 40, serializationPercent: 10 });
    const deadlocksBefore = await chaos.faults.deadlocksDetected();
    const startedAt = Date.now();

    const outcomes = await sendOrders({
      gatewayUrl: chaos.gatewayUrl,
      customerId: CUSTOMER,
      requests: markers('c03', ORDERS),
      concurrency: 16,
      perSecond: 250,
    });
    const accepted = outcomes
      .filter((outcome) => outcome.status === 202)
      .map((outcome) => ({ marker: outcome.marker, orderId: outcome.orderId as string }));

    const retries = async () =>
      (
        await Promise.all(replicas.map((url) => metric(url, 'db_transaction_retries_total')))
      ).reduce<number>((sum, value) => sum + (value ?? 0), 0);
    const { figures, ledger, leftInQueue } = await tally(chaos, {
      name: '03-deadlocks-serialization',
      customerId: CUSTOMER,
      sent: ORDERS,
      accepted,
      startedAt,
      details: async () => {
        // pg_stat_database is updated asynchronously after the failed transactions end.
        await waitUntil(
          'deadlock statistics are visible',
          async () => (await chaos.faults.deadlocksDetected()) > deadlocksBefore,
          5_000,
        ).catch(() => undefined);
        return {
          deadlocksDetectedByPostgres: (await chaos.faults.deadlocksDetected()) - deadlocksBefore,
          inProcessRetries: await retries(),
          redeliveredBySqs: (
            await Promise.all(replicas.map((url) => metric(url, 'orders_retried_total')))
          ).reduce<number>((sum, value) => sum + (value ?? 0), 0),
          replicas: replicas.length,
          answers: JSON.stringify(answers(outcomes)),
        };
      },
    });
    await chaos.faults.set({});

    expect(figures.details.deadlocksDetectedByPostgres).toBeGreaterThan(0);
    expect(figures.details.inProcessRetries).toBeGreaterThanOrEqual(
      figures.details.deadlocksDetectedByPostgres as number,
    );
    expect(figures.accepted).toBe(ORDERS);
    expect(ledger.lost).toEqual([]);
    expect(figures.duplicates).toBe(0);
    expect(figures.stored).toBe(ORDERS);
    expect(ledger.torn).toBe(0);
    expect(figures.inDlq).toBe(0);
    expect(leftInQueue).toBe(0);
  });
});
