import { ChaosStack, httpStatus, startChaosStack, waitUntil } from '../support/chaos-stack';
import { markers, percentile, RequestOutcome, sendOrders } from '../support/order-load';
import { tally } from '../support/tally';

const CUSTOMER = 'chaos-07-sqs-unreachable';

describe('07 SQS becomes unreachable from the gateway (refused, then a silent partition) and comes back', () => {
  let chaos: ChaosStack;

  beforeAll(async () => {
    chaos = await startChaosStack('07-sqs-unreachable', { proxyGatewaySqs: true });
  }, 60_000);

  afterAll(() => chaos?.stop(), 60_000);

  it('should answer 503 with Retry-After to every request while SQS is away, accept nothing, and recover', async () => {
    const proxy = chaos.gatewaySqsProxy;
    if (!proxy) {
      throw new Error('the gateway must reach SQS through the fault proxy');
    }
    const load = (prefix: string, count: number) =>
      sendOrders({
        gatewayUrl: chaos.gatewayUrl,
        customerId: CUSTOMER,
        requests: markers(prefix, count),
        concurrency: 16,
        perSecond: 200,
      });
    const startedAt = Date.now();

    const before = await load('c07-before', 300);
    await proxy.setMode('refuse');
    const refused = await load('c07-refused', 300);
    const readinessWhileDown = await httpStatus(`${chaos.gatewayUrl}/health/ready`);
    await proxy.setMode('blackhole');
    // Each of these waits for SEND_TIMEOUT_MS (3 s) before its 503.
    const partitioned = await load('c07-partitioned', 100);
    await proxy.setMode('forward');
    const restoredAt = Date.now();
    const probes: RequestOutcome[] = [];
    const recoveryMs = await waitUntil(
      'the gateway accepts orders again',
      async () => {
        const [probe] = await load(`c07-probe-${probes.length}`, 1);
        probes.push(probe);
        return probe.status === 202;
      },
      30_000,
      100,
    );
    const after = await load('c07-after', 300);

    const down = [...refused, ...partitioned];
    const answered = [...before, ...down, ...probes, ...after];
    const accepted = answered
      .filter((outcome) => outcome.status === 202)
      .map((outcome) => ({ marker: outcome.marker, orderId: outcome.orderId as string }));
    const { figures, ledger, leftInQueue } = await tally(chaos, {
      name: '07-sqs-unreachable',
      customerId: CUSTOMER,
      sent: answered.length,
      accepted,
      startedAt,
      details: (counted) => ({
        whileDown: down.length,
        down503: down.filter((outcome) => outcome.status === 503).length,
        down202: down.filter((outcome) => outcome.status === 202).length,
        refusedP99Ms: percentile(refused, 99),
        partitionedP99Ms: percentile(partitioned, 99),
        readinessWhileDown: String(readinessWhileDown),
        recoveryMs,
        probesUntilRecovered: probes.length,
        storedFromRejectedRequests: counted.storedNotAccepted,
        sinceRestoreMs: Date.now() - restoredAt,
      }),
    });

    expect(before.every((outcome) => outcome.status === 202)).toBe(true);
    // Not one 202 while SQS was away: a 202 would be a promise the gateway cannot keep.
    expect(down.filter((outcome) => outcome.status !== 503)).toEqual([]);
    expect(down.every((outcome) => outcome.retryAfter !== undefined)).toBe(true);
    expect(readinessWhileDown).toBe(503);
    expect(after.every((outcome) => outcome.status === 202)).toBe(true);
    // A 503 means nothing was enqueued: none of those orders shows up later.
    expect(ledger.storedNotAccepted).toBe(0);
    expect(ledger.lost).toEqual([]);
    expect(figures.duplicates).toBe(0);
    expect(figures.stored).toBe(accepted.length);
    expect(figures.inDlq).toBe(0);
    expect(leftInQueue).toBe(0);
  });
});
