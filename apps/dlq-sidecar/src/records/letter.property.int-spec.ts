import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  eventually,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { sidecarEnv, startSidecar } from '../../testing/sidecars';
import { letterOf } from './letter';
import { RecordsStore } from './records.store';

// Every character SQS accepts in a body (its documented XML set). fauxqs refuses astral-plane
// characters that SQS accepts, so the round trip through the emulator covers the BMP part and the
// store is given the full set directly, as the intake hands it over.
const BMP = fc.oneof(
  fc.constantFrom('\t', '\n', '\r'),
  fc.integer({ min: 0x20, max: 0xd7ff }).map((code) => String.fromCodePoint(code)),
  fc.integer({ min: 0xe000, max: 0xfffd }).map((code) => String.fromCodePoint(code)),
);
const ANY = fc.oneof(
  BMP,
  fc.integer({ min: 0x10000, max: 0x10ffff }).map((code) => String.fromCodePoint(code)),
);
const body = (unit: fc.Arbitrary<string>) => fc.string({ unit, minLength: 1, maxLength: 300 });

describe('any body SQS accepts becomes an identical record (property, real SQS emulator and PostgreSQL)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;

  const recordedBodies = async (messageIds: string[]): Promise<Map<string, string>> => {
    const rows: { message_id: string; body: string }[] = await database.dataSource.query(
      `SELECT message_id, body FROM dlq_letters WHERE message_id = ANY($1::text[])`,
      [messageIds],
    );
    return new Map(rows.map((row) => [row.message_id, row.body]));
  };

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    app = await startSidecar(sidecarEnv(queues));
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('should record every body byte for byte after the round trip through SQS and the intake', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(body(BMP), { minLength: 1, maxLength: 10 }), async (bodies) => {
        const sent = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queues.dlqUrl,
            Entries: bodies.map((text, index) => ({ Id: String(index), MessageBody: text })),
          }),
        );
        const ids = (sent.Successful ?? []).map((entry) => entry.MessageId as string);
        expect(ids).toHaveLength(bodies.length);
        const recorded = await eventually(async () => {
          const found = await recordedBodies(ids);
          expect(found.size).toBe(ids.length);
          return found;
        }, 15_000);
        (sent.Successful ?? []).forEach((entry) =>
          expect(Buffer.from(recorded.get(entry.MessageId as string) ?? '')).toEqual(
            Buffer.from(bodies[Number(entry.Id)]),
          ),
        );
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('should store any body of the full SQS character set, astral planes included, unchanged', async () => {
    const store = app.get(RecordsStore);
    await fc.assert(
      fc.asyncProperty(body(ANY), async (text) => {
        const messageId = randomUUID();
        await store.record([
          letterOf({
            MessageId: messageId,
            Body: text,
            Attributes: { SentTimestamp: String(Date.now()) },
          }),
        ]);
        expect(Buffer.from((await recordedBodies([messageId])).get(messageId) ?? '')).toEqual(
          Buffer.from(text),
        );
      }),
      { numRuns: 200 },
    );
  }, 60_000);
});
