import { SQSClient } from '@aws-sdk/client-sqs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { LazyDataSource } from '@orders/persistence';
import {
  createQueuePair,
  databaseUrlAs,
  migratedDatabase,
  QueuePair,
  testSqsClient,
} from '@orders/testing';
import { seedFailedOrders } from '../../testing/dead-letter.seeds';
import { runCli } from '../../testing/processes';
import { sidecarEnv, startSidecar, useCases } from '../../testing/sidecars';

const RECORDS = 10_000;
const figure = (text: string) => process.stderr.write(`[10k] ${text}\n`);

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { result, ms: Number(process.hrtime.bigint() - started) / 1e6 };
}

describe('list and show with 10,000 records in the store (real PostgreSQL; CLI as a process)', () => {
  const sqs: SQSClient = testSqsClient();
  let database: LazyDataSource;
  let queues: QueuePair;
  let app: NestFastifyApplication;
  // A letter of this spec's own: record ids (and so 'm-<id>') depend on what earlier specs stored.
  let messageId: string;

  beforeAll(async () => {
    database = await migratedDatabase();
    queues = await createQueuePair(sqs);
    const dlqName = queues.dlqUrl.split('/').pop();
    // Written directly: this spec measures reading, not intake.
    await seedFailedOrders(database.dataSource, dlqName as string, RECORDS);
    await database.dataSource.query('ANALYZE dlq_records; ANALYZE dlq_letters');
    [{ messageId }] = await database.dataSource.query(
      `SELECT message_id AS "messageId" FROM dlq_letters WHERE dlq_name = $1 ORDER BY id OFFSET 4241 LIMIT 1`,
      [dlqName],
    );
    app = await startSidecar(sidecarEnv(queues, { ADMIN_API_KEY_SHA256: 'a'.repeat(64) }));
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('should list, filter and show with exact counts', async () => {
    const { read } = useCases(app);
    const rounds = {
      list: [] as number[],
      filtered: [] as number[],
      text: [] as number[],
      show: [] as number[],
    };
    for (let round = 0; round < 5; round++) {
      const list = await timed(() => read.list({}, 50));
      const filtered = await timed(() =>
        read.list({ code: 'MALFORMED_JSON', client: 'client-2' }, 50),
      );
      const text = await timed(() => read.list({ text: 'needle-4242"' }, 50));
      const show = await timed(() => read.show(messageId));
      expect([
        list.result.total,
        filtered.result.total,
        text.result.total,
        show.result.length,
      ]).toEqual([RECORDS, 20, 1, 1]);
      rounds.list.push(list.ms);
      rounds.filtered.push(filtered.ms);
      rounds.text.push(text.ms);
      rounds.show.push(show.ms);
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[2].toFixed(1);
    figure(
      `in process, median of 5: list page of 50 ${median(rounds.list)} ms, list by code+client ${median(rounds.filtered)} ms, body text search ${median(rounds.text)} ms, show ${median(rounds.show)} ms`,
    );

    const env = { ...sidecarEnv(queues), DATABASE_URL: databaseUrlAs('dlq-operator') };
    const cliList = await timed(() => runCli(['list', '--json'], env).done);
    const cliShow = await timed(() => runCli(['show', messageId, '--json'], env).done);
    expect(JSON.parse(cliList.result.stdout).total).toBe(RECORDS);
    expect(JSON.parse(cliShow.result.stdout)[0].attempts).toHaveLength(1);
    figure(
      `CLI process (start included): list ${cliList.ms.toFixed(0)} ms, show ${cliShow.ms.toFixed(0)} ms`,
    );
  }, 120_000);
});
