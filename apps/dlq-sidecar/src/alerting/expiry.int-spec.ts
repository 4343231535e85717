import { SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { AlertReceiver } from '../../testing/alert.receiver';
import { deadOrders, sendAll } from '../../testing/dead-letter.seeds';
import { baseEnv } from '../../testing/processes';
import { createSidecarApp } from '../create-sidecar-app';

const RETENTION_SECONDS = 3600;

describe('no silent expiry: letters close to the DLQ retention are alerted by name (real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  const receiver = new AlertReceiver();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;
  const expiring = () => receiver.slack().filter((body) => body.text.includes('expire'));

  beforeAll(async () => {
    database = await migratedDatabase();
    await receiver.start();
    queues = await createQueuePair(sqs);
    // fauxqs keeps messages for ever; Amazon SQS deletes them this long after their SentTimestamp.
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queues.dlqUrl,
        Attributes: { MessageRetentionPeriod: String(RETENTION_SECONDS) },
      }),
    );
    const config = loadConfig(DlqSidecarConfig, {
      ...baseEnv(queues),
      ALERT_WEBHOOK_URL: receiver.webhookUrl,
      ALERTMANAGER_URL: receiver.baseUrl,
      ALERT_LOG: 'false',
      DLQ_POLL_INTERVAL_MS: '500',
      DLQ_RESCAN_INTERVAL_MS: '1000',
      ALERT_GROUP_WINDOW_MS: '500',
      ALERT_REPEAT_INTERVAL_MS: '0',
      // A letter is at risk 4 s after it reached the DLQ.
      DLQ_EXPIRY_WARNING_SECONDS: String(RETENTION_SECONDS - 4),
    });
    app = await createSidecarApp(config, false);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await receiver.close();
    await database?.close();
  });

  it('should name the letters at risk, then warn again when more are, and export the count', async () => {
    const first = deadOrders(2, 'REJECTED_BY_DATABASE', 'value too long');
    await sendAll(sqs, queues.dlqUrl, first.seeds);

    const [warning] = await eventually(async () => {
      expect(expiring()).toHaveLength(1);
      return expiring();
    }, 15_000);
    const later = deadOrders(1, 'REJECTED_BY_DATABASE', 'value too long');
    await sendAll(sqs, queues.dlqUrl, later.seeds);

    const text = JSON.stringify(warning);
    expect(warning.text).toMatch(/^:hourglass: 2 dead letters expire from orders-dlq-\w+ soon/);
    first.orderIds.forEach((orderId) => expect(text).toContain(orderId));
    expect(text).not.toContain(later.orderIds[0]);
    await eventually(async () => expect(expiring()).toHaveLength(2), 15_000);
    expect(expiring()[1].text).toMatch(/^:hourglass: 3 dead letters expire/);
    expect(
      receiver
        .alertmanager()
        .some((alert) => alert.labels.alertname === 'OrdersDeadLettersExpiring'),
    ).toBe(true);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('dlq_dead_letters_expiring 3');
    expect(metrics).toContain(`dlq_message_retention_seconds ${RETENTION_SECONDS}`);
  });
});
