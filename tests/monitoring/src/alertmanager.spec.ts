import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  createQueuePair,
  eventually,
  globalSetupServices,
  loadStackHarness,
  RunningStack,
  testSqsClient,
} from '@orders/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { daemon, tool } from './support/tools';

interface Notification {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

async function freePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** What a pager would get: Alertmanager's webhook notifications. */
async function startWebhook(): Promise<{ url: string; received: Notification[]; server: Server }> {
  const received: Notification[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    server,
  };
}

describe("the dlq-sidecar's Alertmanager channel against a real Alertmanager", () => {
  const binary = tool('prometheus-alertmanager');
  const sqs = testSqsClient();
  const adminKey = `admin-${randomUUID()}`;
  let alertmanager: ReturnType<typeof daemon>;
  let alertmanagerUrl: string;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  let stack: RunningStack;
  let queueUrl: string;
  let dlqName: string;

  beforeAll(async () => {
    webhook = await startWebhook();
    const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
    // Grouped by DLQ: one notification names every failure code that is open.
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      stringify({
        route: {
          receiver: 'pager',
          group_by: ['alertname', 'dlq'],
          group_wait: '1s',
          group_interval: '1s',
          repeat_interval: '1h',
        },
        receivers: [
          { name: 'pager', webhook_configs: [{ url: webhook.url, send_resolved: true }] },
        ],
      }),
    );
    const port = await freePort();
    alertmanagerUrl = `http://127.0.0.1:${port}`;
    alertmanager = daemon(binary, [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ]);
    const harness = await loadStackHarness();
    const queues = await createQueuePair(sqs);
    queueUrl = queues.queueUrl;
    dlqName = queues.dlqUrl.split('/').pop() as string;
    await eventually(async () =>
      expect((await fetch(`${alertmanagerUrl}/-/ready`)).status).toBe(200),
    );
    stack = await harness.startStack({
      ...globalSetupServices(queues),
      apps: ['processor', 'dlq-sidecar'],
      appEnv: {
        processor: { SQS_WAIT_TIME_SECONDS: '1' },
        'dlq-sidecar': {
          ALERTMANAGER_URL: alertmanagerUrl,
          ALERTMANAGER_RESEND_INTERVAL_MS: '1000',
          ALERT_LOG: 'false',
          ALERT_GROUP_WINDOW_MS: '500',
          DLQ_POLL_INTERVAL_MS: '500',
          DLQ_WAIT_TIME_SECONDS: '1',
          ADMIN_API_KEY_SHA256: harness.sha256Hex(adminKey),
        },
      },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await alertmanager?.stop();
    webhook?.server.close();
  });

  it('should page once per DLQ with one alert per failure code, then resolve them', async () => {
    // Two poison orders with different reasons: the processor dead-letters both at once.
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not json' }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ type: 'order.accepted', version: 1, orderId: 'x' }),
      }),
    );

    const codesOf = (notification: Notification) =>
      notification.alerts.map((alert) => alert.labels.failure_code).sort();
    await eventually(async () => {
      const firing = webhook.received.filter((notification) => notification.status === 'firing');
      expect(firing.at(-1) && codesOf(firing.at(-1) as Notification)).toEqual([
        'INVALID_ENVELOPE',
        'MALFORMED_JSON',
      ]);
    }, 30_000);
    const firing = webhook.received.filter((notification) => notification.status === 'firing');
    const last = firing.at(-1) as Notification;
    expect(last.groupLabels).toEqual({ alertname: 'OrdersDeadLettered', dlq: dlqName });
    expect(last.alerts[0].labels).toMatchObject({ service: 'orders', severity: 'warning' });
    expect(last.alerts[0].annotations.runbook_url).toBe('docs/runbooks.md#ordersdeadlettered');
    // Re-posts every second refresh the same two alerts; Alertmanager keeps two, not more.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const active = (await (await fetch(`${alertmanagerUrl}/api/v2/alerts`)).json()) as unknown[];
    expect(active).toHaveLength(2);

    const headers = { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` };
    const { total } = (await (
      await fetch(`${stack.urls['dlq-sidecar']}/admin/dlq/records`, { headers })
    ).json()) as { total: number };
    const discard = await fetch(`${stack.urls['dlq-sidecar']}/admin/dlq/discard`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ all: true, count: total }),
    });
    expect(discard.status).toBe(200);

    await eventually(async () => {
      const resolved = webhook.received.find((notification) => notification.status === 'resolved');
      expect(resolved && codesOf(resolved)).toEqual(['INVALID_ENVELOPE', 'MALFORMED_JSON']);
      expect(resolved?.alerts.every((alert) => alert.status === 'resolved')).toBe(true);
    }, 30_000);
  });
});
