// Native ESM on purpose: jest runs it untransformed, and fauxqs can only be imported from ESM.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalPostgres } from '../stack/local-postgres.mjs';
import { startLocalSqs } from '../stack/local-sqs.mjs';

/** One real SQS emulator and one real PostgreSQL per jest run; workers find them via process.env. */
export default async function globalSetup() {
  const root = await mkdtemp(join(tmpdir(), 'orders-test-'));
  const [sqs, postgres] = await Promise.all([
    startLocalSqs({ visibilityTimeoutSeconds: 30 }),
    startLocalPostgres({ dataDir: join(root, 'postgres'), fresh: true, durable: false }),
  ]);
  globalThis.__ordersTestStack = { sqs, postgres, root };
  Object.assign(process.env, {
    AWS_REGION: sqs.region,
    TEST_SQS_ENDPOINT: sqs.endpoint,
    TEST_DATABASE_URL: postgres.url,
    TEST_ORDERS_QUEUE_URL: sqs.ordersQueueUrl,
    TEST_ORDERS_DLQ_URL: sqs.ordersDlqUrl,
  });
}
