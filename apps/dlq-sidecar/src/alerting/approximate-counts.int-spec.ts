import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DlqSidecarConfig, loadConfig } from '@orders/config';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { LazyDataSource } from '@orders/persistence';
import { setTimeout as sleep } from 'node:timers/promises';
import { AlertReceiver } from '../../testing/alert.receiver';
import { deadOrders, sendAll } from '../../testing/dead-letter.seeds';
import { lagCounts, StaleCounts } from '../../testing/lagging-counts';
import { baseEnv } from '../../testing/processes';
import { createSidecarApp } from '../create-sidecar-app';

describe('the watcher under SQS counts that lag, as Amazon SQS serves them (real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  const receiver = new AlertReceiver();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;
  // What the sidecar is told all along: an empty DLQ with a few letters in flight. Neither is true.
  const stale: StaleCounts = { visible: 0, inFlight: 5, delayed: 0 };
  const firing = () => receiver.slack().filter((body) => !body.text.includes('Resolved'));
  const resolved = () => receiver.slack().filter((body) => body.text.includes('Resolved'));
  // Receives until it holds all of them (a watcher scan may hold some for a moment).
  const hold = async (count: number, visibilitySeconds: number) => {
    const held = new Map<string, string>();
    await eventually(async () => {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.dlqUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: visibilitySeconds,
        }),
      );
      Messages.forEach((message) => held.set(message.MessageId ?? '', message.ReceiptHandle ?? ''));
      expect(held.size).toBe(count);
    }, 5000);
    return [...held.values()];
  };

  beforeAll(async () => {
    database = await migratedDatabase();
    await receiver.start();
    queues = await createQueuePair(sqs);
    const config = loadConfig(DlqSidecarConfig, {
      ...baseEnv(queues),
      ALERT_WEBHOOK_URL: receiver.webhookUrl,
      ALERT_LOG: 'false',
      DLQ_POLL_INTERVAL_MS: '500',
      DLQ_RESCAN_INTERVAL_MS: '1000',
      ALERT_GROUP_WINDOW_MS: '500',
      // Absent from scans for 2 s + 5 s: gone.
      DLQ_PEEK_VISIBILITY_SECONDS: '2',
      DLQ_CLI_VISIBILITY_SECONDS: '2',
    });
    app = await createSidecarApp(config, false);
    lagCounts(app.get(SQSClient), stale);
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await receiver.close();
    await database?.close();
  });

  it('should notice letters the counts do not show, alert once, and resolve only when they are really gone', async () => {
    await sendAll(sqs, queues.dlqUrl, deadOrders(3, 'INVALID_ENVELOPE', 'bad envelope').seeds);

    await eventually(async () => expect(firing()).toHaveLength(1), 15_000);
    expect(firing()[0].text).toContain('3 orders failed: INVALID_ENVELOPE');

    // Another reader hides them for 4 s (a CLI list killed mid-way): absent from scans, not gone.
    await hold(3, 4);
    await sleep(6000);
    expect(resolved()).toEqual([]);
    expect(firing()).toHaveLength(1);

    // Now someone really removes them (a redrive elsewhere): resolved once, and never alerted again.
    const taken = await hold(3, 30);
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queues.dlqUrl,
        Entries: taken.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle })),
      }),
    );
    await eventually(async () => expect(resolved()).toHaveLength(1), 20_000);
    await sleep(2000);
    expect(resolved()[0].text).toContain('is empty again (INVALID_ENVELOPE)');
    expect(firing()).toHaveLength(1);
    expect(resolved()).toHaveLength(1);
  });
});
