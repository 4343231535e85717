// Native ESM on purpose: jest runs it untransformed, and fauxqs can only be imported from ESM.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalSqs } from '../stack/local-sqs.mjs';
import { startTestPostgres } from '../stack/test-postgres.mjs';

/**
 * One real SQS emulator and one real PostgreSQL per jest run; workers find them via process.env.
 * ORDERS_TEST_POSTGRES=debian|pgbouncer runs the same specs on Debian's server, directly or
 * through PgBouncer in transaction mode (the real-server tier, tests/real-server).
 */
export default async function globalSetup() {
  const root = await mkdtemp(join(tmpdir(), 'orders-test-'));
  const [sqs, postgres] = await Promise.all([
    startLocalSqs({ visibilityTimeoutSeconds: 30 }),
    startTestPostgres({ dataDir: join(root, 'postgres') }),
  ]);
  globalThis.__ordersTestStack = { sqs, postgres, root };
  Object.assign(process.env, {
    AWS_REGION: sqs.region,
    TEST_SQS_ENDPOINT: sqs.endpoint,
    TEST_DATABASE_URL: postgres.url,
    TEST_DATABASE_KIND: postgres.kind,
    TEST_ORDERS_QUEUE_URL: sqs.ordersQueueUrl,
    TEST_ORDERS_DLQ_URL: sqs.ordersDlqUrl,
  });
}
