import { SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { createHash, randomUUID } from 'node:crypto';
import { AlertReceiver } from '../../testing/alert.receiver';
import { failureAttributes, sendAll, validOrderBody } from '../../testing/dead-letter.seeds';
import { sidecarEnv, startSidecar, useCases } from '../../testing/sidecars';

const by = { actor: 'spec', via: 'cli' as const };

describe('alerts claimed per letter (two sidecar replicas, real PostgreSQL and SQS emulator)', () => {
  const sqs: SQSClient = testSqsClient();
  const receiver = new AlertReceiver();
  let database: LazyDataSource;
  let queues: QueuePair;
  let replicas: NestFastifyApplication[] = [];

  const dlqName = () => queues.dlqUrl.split('/').pop() as string;
  // Webhook messages that name the order (in their samples).
  const alertsNaming = (orderId: string) =>
    receiver.slack().filter((message) => JSON.stringify(message).includes(orderId));
  // A dead letter of `orderId` through the real intake, and its alert.
  const failAndAlert = async (code: string, orderId: string) => {
    await sendAll(sqs, queues.dlqUrl, [
      { body: validOrderBody(orderId), attributes: failureAttributes(code, 'spec') },
    ]);
    await eventually(async () => expect(alertsNaming(orderId)).toHaveLength(1), 15_000);
  };
  // The webhook's answers to the calls that named the order (0: connection dropped).
  const answersNaming = (orderId: string) =>
    receiver.calls
      .filter((call) => JSON.stringify(call.body).includes(orderId))
      .map((call) => call.answered);
  // A counter summed over both replicas.
  const metric = async (line: string) => {
    let sum = 0;
    for (const app of replicas) {
      const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      sum += Number(
        text
          .split('\n')
          .find((row) => row.startsWith(`${line} `))
          ?.split(' ')[1] ?? 0,
      );
    }
    return sum;
  };
  const letterIdOf = async (orderId: string) =>
    (
      (await database.dataSource.query(`SELECT id FROM dlq_letters WHERE order_id = $1`, [
        orderId,
      ])) as { id: string }[]
    ).map((row) => BigInt(row.id));

  beforeAll(async () => {
    database = await migratedDatabase();
    await receiver.start();
    queues = await createQueuePair(sqs);
    // No group window and no repeat limit: a claim follows every recorded letter at once.
    const env = sidecarEnv(queues, {
      ALERT_WEBHOOK_URL: receiver.webhookUrl,
      ALERT_GROUP_WINDOW_MS: '0',
      ALERT_REPEAT_INTERVAL_MS: '0',
      ALERT_RETRY_BASE_MS: '10',
      ALERT_RETRY_MAX_MS: '50',
      // The admin doors open, so the operations (triage) are there.
      ADMIN_API_KEY_SHA256: createHash('sha256').update('spec-key').digest('hex'),
    });
    replicas = await Promise.all([startSidecar(env), startSidecar(env)]);
  });

  afterAll(async () => {
    await Promise.all(replicas.map((app) => app.close()));
    await receiver.close();
    await database?.close();
  });

  it('should alert a letter whose transaction commits after a letter with a higher id was alerted', async () => {
    const code = 'LATE_COMMIT';
    await failAndAlert(code, randomUUID());
    // A replica's insert that took its letter id and has not committed yet, as the intake writes it.
    const held = database.dataSource.createQueryRunner();
    await held.startTransaction();
    const heldOrder = randomUUID();
    try {
      await held.query(
        `WITH made AS (
           INSERT INTO dlq_records (dlq_name, failure_code, failure_reason, order_id, body, first_failed_at, last_failed_at)
           VALUES ($1, $2, 'held', $3, '{}', now(), now()) RETURNING id)
         INSERT INTO dlq_letters (record_id, dlq_name, message_id, body, attributes, system_attributes, failure_code,
                                  failure_reason, failure_detail, receive_count, sent_at, first_failed_at, last_failed_at, order_id)
         SELECT id, $1, $4, '{}', '{}', '{}', $2, 'held', '{}', 1, now(), now(), now(), $3 FROM made`,
        [dlqName(), code, heldOrder, randomUUID()],
      );
      await held.query(
        `INSERT INTO dlq_groups (dlq_name, failure_code) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [dlqName(), code],
      );
      // Meanwhile another letter of the group, with a higher id, is recorded and alerted.
      const laterOrder = randomUUID();
      await failAndAlert(code, laterOrder);
      const [heldId] = (await held.query(`SELECT id FROM dlq_letters WHERE order_id = $1`, [
        heldOrder,
      ])) as { id: string }[];
      expect(BigInt(heldId.id)).toBeLessThan((await letterIdOf(laterOrder))[0]);

      await held.commitTransaction();
    } finally {
      await held.release();
    }

    await eventually(async () => expect(alertsNaming(heldOrder)).toHaveLength(1), 15_000);
    expect(alertsNaming(heldOrder)[0].text).toContain('1 more order failed (3 since');
  });

  it('should not alert letters recorded while the group is on hold, not even once the hold is lifted', async () => {
    const code = 'ON_HOLD';
    await failAndAlert(code, randomUUID());
    const { triage } = useCases(replicas[0]);
    await triage.set(code, { onHold: true }, by);
    const silenced = randomUUID();
    await sendAll(sqs, queues.dlqUrl, [
      { body: validOrderBody(silenced), attributes: failureAttributes(code, 'spec') },
    ]);
    await eventually(async () => expect(await letterIdOf(silenced)).toHaveLength(1), 15_000);

    await triage.set(code, { onHold: false }, by);
    // The next letter's alert counts every letter not alerted yet: the silenced one is not among them.
    const after = randomUUID();
    await failAndAlert(code, after);

    expect(alertsNaming(silenced)).toEqual([]);
    expect(alertsNaming(after)[0].text).toContain('1 more order failed');
  });

  it('should retry a delivery the webhook refused or dropped, with backoff, until it is delivered', async () => {
    receiver.failNext('/slack', 503, 'drop');
    const orderId = randomUUID();

    await failAndAlert('RETRIED', orderId);

    expect(answersNaming(orderId)).toEqual([503, 0, 200]);
    expect(await metric('dlq_alert_retries_total{channel="webhook"}')).toBe(2);
  });

  it('should give up at once on an answer not worth retrying, and count it', async () => {
    const failed = 'dlq_alerts_failed_total{channel="webhook",kind="firing"}';
    const before = await metric(failed);
    receiver.failNext('/slack', 400);
    const orderId = randomUUID();

    await sendAll(sqs, queues.dlqUrl, [
      { body: validOrderBody(orderId), attributes: failureAttributes('REFUSED', 'spec') },
    ]);
    await eventually(async () => expect(await metric(failed)).toBe(before + 1), 15_000);

    expect(answersNaming(orderId)).toEqual([400]);
  });
});
