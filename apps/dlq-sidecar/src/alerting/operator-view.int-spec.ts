import { SQSClient } from '@aws-sdk/client-sqs';
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
import { randomUUID } from 'node:crypto';
import { AlertReceiver } from '../../testing/alert.receiver';
import { failureAttributes, sendAll } from '../../testing/dead-letter.seeds';
import { baseEnv, runCli } from '../../testing/processes';
import { createSidecarApp } from '../create-sidecar-app';

// What a hostile customer (or API client) can put into a dead letter: pings, links, markup, escapes.
const HOSTILE =
  '<!channel> @here <@U0123ABC> <https://evil.example|click> `x` *y* \u001b[2J\u001b]0;owned\u0007 \u202Egnp.exe';
const FORBIDDEN = [
  '<!channel>',
  '@here',
  '<@U0123ABC>',
  '<https://',
  'https://evil',
  '\u001b',
  '\u0007',
  '\u202e',
];

describe('what operators see cannot be forged (real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  const receiver = new AlertReceiver();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;
  const orderId = randomUUID();

  beforeAll(async () => {
    database = await migratedDatabase();
    await receiver.start();
    queues = await createQueuePair(sqs);
    await sendAll(sqs, queues.dlqUrl, [
      {
        body: JSON.stringify({
          type: 'order.accepted',
          version: 1,
          orderId,
          clientId: `shop ${HOSTILE}`,
          acceptedAt: new Date().toISOString(),
          order: { customerId: `customer ${HOSTILE}`, currency: 'EUR', items: [] },
        }),
        attributes: failureAttributes(
          'INVALID_ENVELOPE',
          `order.items must not be empty ${HOSTILE}`,
        ),
      },
    ]);
    const config = loadConfig(DlqSidecarConfig, {
      ...baseEnv(queues),
      ALERT_WEBHOOK_URL: receiver.webhookUrl,
      ALERTMANAGER_URL: receiver.baseUrl,
      ALERT_LOG: 'false',
      DLQ_POLL_INTERVAL_MS: '500',
      ALERT_GROUP_WINDOW_MS: '300',
    });
    app = await createSidecarApp(config, false);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await receiver.close();
    await database?.close();
  });

  it('should alert with the reason and the client made inert, and the customer masked', async () => {
    await eventually(async () => {
      expect(receiver.slack()).toHaveLength(1);
      expect(receiver.alertmanager()).toHaveLength(1);
    }, 15_000);

    // Every text as the receiving tool reads it, after JSON decoding.
    const texts: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') {
        texts.push(value);
      } else if (value !== null && typeof value === 'object') {
        Object.values(value).forEach(collect);
      }
    };
    collect([receiver.slack(), receiver.alertmanager()]);
    const sent = texts.join('\n');
    FORBIDDEN.forEach((text) => expect(sent.toLowerCase()).not.toContain(text.toLowerCase()));
    expect(sent).toContain('order.items must not be empty');
    expect(sent).toContain(orderId);
    expect(sent).not.toContain('customer ‹!channel');
    expect(sent).toMatch(/customer `#[0-9a-f]{8}`/);
    // The client is shown (it is not the customer), made inert like the rest.
    expect(sent).toContain('client `shop ‹!channel› ＠here');
  });

  it('should print the letter to a terminal without its escape sequences taking effect', async () => {
    // One after the other: each run hides the letters it reads until it releases them.
    const shown = await runCli(['show', orderId], baseEnv(queues)).done;
    const listed = await runCli(['list'], baseEnv(queues)).done;

    for (const result of [shown, listed]) {
      expect(result.code).toBe(0);
      FORBIDDEN.filter((text) => text.length === 1).forEach((character) => {
        expect(result.stdout).not.toContain(character);
      });
    }
    expect(shown.stdout).toMatch(/^client +shop ‹?/m);
    expect(listed.stdout).toContain('CLIENT');
    // Shown, but visibly: the operator sees that the letter carried them.
    expect(shown.stdout).toContain('\\u001b[2J');
    expect(shown.stdout).toContain('\\u202e');
  });
});
