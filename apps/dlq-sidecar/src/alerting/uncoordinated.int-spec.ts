import { SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { createQueuePair, eventually, QueuePair, testSqsClient } from '@orders/testing';
import { createSidecarApp } from '../create-sidecar-app';
import { AlertReceiver } from '../../testing/alert.receiver';
import { deadOrders, sendAll } from '../../testing/dead-letter.seeds';
import { baseEnv } from '../../testing/processes';

describe('a sidecar whose database is unreachable (real SQS emulator)', () => {
  const sqs: SQSClient = testSqsClient();
  const receiver = new AlertReceiver();
  let queues: QueuePair;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    await receiver.start();
    queues = await createQueuePair(sqs);
    const config = loadConfig(DlqSidecarConfig, {
      ...baseEnv(queues),
      // Nothing listens there: every database call fails at once.
      DATABASE_URL: 'postgres://orders:nope@127.0.0.1:1/orders',
      DB_CONNECT_TIMEOUT_MS: '500',
      ALERT_WEBHOOK_URL: receiver.webhookUrl,
      ALERT_LOG: 'false',
      DLQ_POLL_INTERVAL_MS: '500',
      ALERT_GROUP_WINDOW_MS: '500',
    });
    app = await createSidecarApp(config, false);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await receiver.close();
  });

  it('should still alert (alone, saying so) rather than stay silent, and only once per group', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(4, 'INVALID_ENVELOPE', 'bad envelope').seeds);

    const [alert] = await eventually(async () => {
      const found = receiver.slack();
      expect(found).toHaveLength(1);
      return found;
    }, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));

    expect(alert.text).toContain('4 orders failed: INVALID_ENVELOPE');
    expect(JSON.stringify(alert.blocks)).toContain('other sidecars may send this alert too');
    expect(receiver.slack()).toHaveLength(1);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('dlq_watcher_role{role="uncoordinated"} 1');
  });
});
