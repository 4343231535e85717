import { SQSClient } from '@aws-sdk/client-sqs';
import { createQueuePair, eventually, QueuePair, testSqsClient } from '@orders/testing';
import { AlertmanagerBody, AlertReceiver, SlackBody } from '../../testing/alert.receiver';
import { deadOrders, sendAll } from '../../testing/dead-letter.seeds';
import { baseEnv, runCli, StackProcess, startProcessor } from '../../testing/processes';
import { setTimeout as sleep } from 'node:timers/promises';

const WINDOW_MS = 1000;
const POLL_MS = 500;
// Longer than a grouping window plus two polls: any second alert for a group would have come by now.
const QUIET_MS = WINDOW_MS + POLL_MS * 3;

const startTimeOf = (metrics: string) => /^process_start_time_seconds (\S+)$/m.exec(metrics)?.[1];

const firingFor = (receiver: AlertReceiver, code: string): SlackBody[] =>
  receiver
    .slack()
    .filter((body) => body.text.includes(`: ${code}`) && !body.text.includes('Resolved'));

describe('DLQ alerts with two sidecars (processor, sidecars as processes; real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  const receiver = new AlertReceiver();
  let sidecarUrls: string[] = [];
  let queues: QueuePair;
  let stack: StackProcess;

  beforeAll(async () => {
    await receiver.start();
    queues = await createQueuePair(sqs);
    const env = {
      ALERT_WEBHOOK_URL: receiver.webhookUrl,
      ALERTMANAGER_URL: receiver.baseUrl,
      ALERT_LOG: 'false',
      DLQ_POLL_INTERVAL_MS: String(POLL_MS),
      DLQ_RESCAN_INTERVAL_MS: '2000',
      ALERT_GROUP_WINDOW_MS: String(WINDOW_MS),
      ALERT_REPEAT_INTERVAL_MS: '600000',
      ALERTMANAGER_RESEND_INTERVAL_MS: '600000',
      ALERT_RETRY_BASE_MS: '200',
      ALERT_RETRY_MAX_MS: '1000',
      // A letter absent from scans counts as gone after the longest hiding (5 s) plus 5 s.
      DLQ_PEEK_VISIBILITY_SECONDS: '2',
      DLQ_CLI_VISIBILITY_SECONDS: '5',
    };
    stack = await startProcessor(queues, [
      { name: 'sidecar-a', env: { ...env, INSTANCE_ID: 'sidecar-a' } },
      { name: 'sidecar-b', env: { ...env, INSTANCE_ID: 'sidecar-b' } },
    ]);
    sidecarUrls = [stack.urls['sidecar-a'], stack.urls['sidecar-b']];
  });

  afterAll(async () => {
    await stack?.stop();
    await receiver.close();
  });

  it('should alert poison orders exactly once, grouped, with the reason, although two sidecars watch', async () => {
    const deadLetteredAt = Date.now();
    await sendAll(sqs, queues.queueUrl, [
      { body: 'not json' },
      { body: '{"orderId": "half an order"' },
      { body: '{"type":"order.accepted","version":1}' },
    ]);

    const alerts = await eventually(async () => {
      const found = receiver.slack();
      expect(found.length).toBeGreaterThanOrEqual(2);
      return found;
    }, 20_000);
    process.stderr.write(
      `alert latency (dead letter → webhook): ${receiver.calls[0].at - deadLetteredAt} ms\n`,
    );
    await sleep(QUIET_MS);

    // The processor gave two reasons: not JSON (2) and an invalid envelope (1). One alert each, from one sidecar.
    expect(firingFor(receiver, 'MALFORMED_JSON')).toHaveLength(1);
    expect(firingFor(receiver, 'INVALID_ENVELOPE')).toHaveLength(1);
    expect(receiver.slack()).toHaveLength(alerts.length);
    expect(firingFor(receiver, 'MALFORMED_JSON')[0].text).toContain(
      '2 orders failed: MALFORMED_JSON',
    );
    expect(firingFor(receiver, 'MALFORMED_JSON')[0].text).toContain('not valid JSON');
    const roles = await Promise.all(
      sidecarUrls.map(async (url) =>
        /dlq_watcher_role\{role="leader"\} 1/.test(await (await fetch(`${url}/metrics`)).text()),
      ),
    );
    expect(roles.filter(Boolean)).toHaveLength(1);
  });

  it('should post to Alertmanager with stable labels that group by reason', () => {
    const alert = receiver
      .alertmanager()
      .find((entry) => entry.labels.failure_code === 'MALFORMED_JSON') as AlertmanagerBody;

    expect(alert.labels).toEqual({
      alertname: 'OrdersDeadLettered',
      service: 'orders',
      dlq: expect.stringMatching(/^orders-dlq-/),
      failure_code: 'MALFORMED_JSON',
      severity: 'warning',
    });
    expect(alert.annotations.count).toBe('2');
    expect(Date.parse(alert.endsAt)).toBeGreaterThan(Date.now());
  });

  it('should send one grouped alert for a burst of 500 failures, and a second alert for a second reason', async () => {
    const burst = deadOrders(
      500,
      'REJECTED_BY_DATABASE',
      'new row violates check constraint "order_items_quantity_check"',
    );
    await sendAll(sqs, queues.dlqUrl, burst.seeds);

    const [alert] = await eventually(async () => {
      const found = firingFor(receiver, 'REJECTED_BY_DATABASE');
      expect(found).toHaveLength(1);
      return found;
    }, 20_000);
    await sendAll(
      sqs,
      queues.dlqUrl,
      deadOrders(3, 'UNSUPPORTED_MESSAGE', 'No handler for order.accepted v2').seeds,
    );
    await eventually(
      async () => expect(firingFor(receiver, 'UNSUPPORTED_MESSAGE')).toHaveLength(1),
      20_000,
    );
    await sleep(QUIET_MS);

    expect(alert.text).toContain('500 orders failed: REJECTED_BY_DATABASE');
    expect(alert.text).toContain('order_items_quantity_check');
    // Customers are masked by default (ALERT_SHOW_CUSTOMER_IDS).
    expect(JSON.stringify(alert.blocks)).toMatch(/customer `#[0-9a-f]{8}`/);
    expect(JSON.stringify(alert)).not.toContain('customer-1');
    expect(firingFor(receiver, 'REJECTED_BY_DATABASE')).toHaveLength(1);
    expect(firingFor(receiver, 'UNSUPPORTED_MESSAGE')).toHaveLength(1);
    expect(firingFor(receiver, 'UNSUPPORTED_MESSAGE')[0].text).toContain(
      '3 orders failed: UNSUPPORTED_MESSAGE',
    );
  });

  it('should retry an alert while the webhook is down and deliver it once it is back, without crashing', async () => {
    const startTimes = new Map<string, string | undefined>();
    for (const url of sidecarUrls) {
      startTimes.set(url, startTimeOf(await (await fetch(`${url}/metrics`)).text()));
    }
    receiver.failNext('/slack', 503, 'drop', 500, 503);

    await sendAll(
      sqs,
      queues.dlqUrl,
      deadOrders(2, 'HANDLER_TIMEOUT', 'Batch not finished within 45000 ms').seeds,
    );

    await eventually(
      async () => expect(firingFor(receiver, 'HANDLER_TIMEOUT')).toHaveLength(1),
      20_000,
    );
    const attempts = receiver.calls.filter(
      (call) => call.path === '/slack' && JSON.stringify(call.body).includes('HANDLER_TIMEOUT'),
    );
    expect(attempts.map((call) => call.answered)).toEqual([503, 0, 500, 503, 200]);
    expect(
      receiver.alertmanager().filter((entry) => entry.labels.failure_code === 'HANDLER_TIMEOUT'),
    ).not.toHaveLength(0);
    // Both sidecars are still the same processes, alive and well.
    for (const url of sidecarUrls) {
      expect(startTimeOf(await (await fetch(`${url}/metrics`)).text())).toBe(startTimes.get(url));
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
    }
  });

  it('should carry on from the other sidecar when the leader stops, without repeating its alerts', async () => {
    const leaders = await Promise.all(
      sidecarUrls.map(async (url) =>
        /dlq_watcher_role\{role="leader"\} 1/.test(await (await fetch(`${url}/metrics`)).text()),
      ),
    );
    const leader = leaders.indexOf(true);
    const survivor = sidecarUrls[1 - leader];
    const before = receiver.slack().length;

    await stack.stopApp(leader === 0 ? 'sidecar-a' : 'sidecar-b');
    sidecarUrls = [survivor];
    await sendAll(
      sqs,
      queues.dlqUrl,
      deadOrders(2, 'UNEXPECTED', 'Cannot read properties of undefined').seeds,
    );

    await eventually(
      async () =>
        expect(
          /dlq_watcher_role\{role="leader"\} 1/.test(
            await (await fetch(`${survivor}/metrics`)).text(),
          ),
        ).toBe(true),
      10_000,
    );
    await eventually(async () => expect(receiver.slack().length).toBe(before + 1), 20_000);
    await sleep(QUIET_MS);
    // Only the new reason: the old groups were alerted by the old leader, the ledger says so.
    expect(
      receiver
        .slack()
        .slice(before)
        .map((body) => body.text),
    ).toEqual([expect.stringContaining('2 orders failed: UNEXPECTED')]);
  });

  it('should refuse a purge without --confirm, and send a resolved notice once the DLQ is drained', async () => {
    const env = { ...baseEnv(queues), DLQ_CLI_VISIBILITY_SECONDS: '5' };
    const refused = await runCli(['purge', '--all'], env).done;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Nothing was deleted');

    const purged = await runCli(['purge', '--all', '--confirm', '--actor', 'alerting-test'], env)
      .done;
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain('deleted 510');

    // A scan between purge batches may resolve the first reasons early; the last notice comes with the empty DLQ.
    const resolvedNotices = () => receiver.slack().filter((body) => body.text.includes('Resolved'));
    await eventually(
      async () =>
        expect(
          resolvedNotices().some((body) =>
            /Resolved: orders-dlq-\w+ is empty again/.test(body.text),
          ),
        ).toBe(true),
      20_000,
    );
    await sleep(QUIET_MS);
    for (const code of [
      'MALFORMED_JSON',
      'INVALID_ENVELOPE',
      'REJECTED_BY_DATABASE',
      'UNSUPPORTED_MESSAGE',
      'HANDLER_TIMEOUT',
      'UNEXPECTED',
    ]) {
      expect(resolvedNotices().filter((body) => body.text.includes(code))).toHaveLength(1);
      const ended = receiver
        .alertmanager()
        .filter(
          (entry) => entry.labels.failure_code === code && Date.parse(entry.endsAt) <= Date.now(),
        );
      expect(ended).toHaveLength(1);
    }
  });
});
