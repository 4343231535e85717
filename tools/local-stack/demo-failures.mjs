// `npm run demo:failures`: a few orders the processor cannot store, on the local orders queue, so
// the console has real failed orders to show. Only the emulator `npm start` runs on 127.0.0.1.
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOCAL_ORDERS_QUEUE } from '../../libs/testing/src/stack/local-sqs.mjs';
import { REPO_ROOT } from '../../libs/testing/src/stack/stack.mjs';

// The same variables and defaults as start.mjs.
const env = process.env;
const endpoint = `http://127.0.0.1:${Number(env.LOCAL_SQS_PORT ?? 4566)}`;
const lockFile = join(resolve(REPO_ROOT, env.LOCAL_DATA_DIR ?? '.local'), 'stack.pid');

function refuse(reason) {
  process.stderr.write(`demo:failures: ${reason}\n`);
  process.exit(1);
}

function launcherRunning() {
  const pid = existsSync(lockFile) ? Number.parseInt(readFileSync(lockFile, 'utf8'), 10) : NaN;
  if (!Number.isInteger(pid) || pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** As the gateway builds it (buildOrderAcceptedEnvelope in libs/contracts), with `order` given. */
function envelope(order, fields = {}) {
  return {
    type: 'order.accepted',
    version: 1,
    orderId: randomUUID(),
    clientId: 'anonymous',
    acceptedAt: new Date().toISOString(),
    order,
    ...fields,
  };
}

const validOrder = () => ({
  customerId: 'customer-demo',
  currency: 'EUR',
  items: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1250 }],
});

// Each one fails on the processor's own checks, for one reason, and goes straight to the DLQ.
const failures = [
  {
    what: 'an order with quantity 1200 (the contract allows 1..1000): INVALID_ENVELOPE, fix it with edit & retry',
    body: JSON.stringify(
      envelope({
        ...validOrder(),
        items: [{ sku: 'SKU-1', quantity: 1200, unitPriceCents: 1250 }],
      }),
    ),
  },
  {
    what: 'a body cut off in the middle (not JSON): MALFORMED_JSON',
    body: JSON.stringify(envelope(validOrder())).slice(0, 60),
  },
  {
    what: 'a message type no processor knows ("order.cancelled"): UNSUPPORTED_MESSAGE',
    body: JSON.stringify(envelope(validOrder(), { type: 'order.cancelled' })),
  },
];

async function main() {
  if (env.ORDERS_QUEUE_URL || env.SQS_ENDPOINT) {
    refuse(
      'ORDERS_QUEUE_URL/SQS_ENDPOINT are set: this only feeds the local emulator of npm start',
    );
  }
  if (!launcherRunning()) {
    refuse('the local stack is not running: start it with `npm start` in another terminal first');
  }
  const sqs = new SQSClient({
    endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  let queueUrl;
  try {
    ({ QueueUrl: queueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: LOCAL_ORDERS_QUEUE }),
      { abortSignal: AbortSignal.timeout(3000) },
    ));
  } catch (error) {
    refuse(`no local orders queue at ${endpoint} (${error.name}): is npm start still starting?`);
  }
  for (const { what, body } of failures) {
    const correlationId = randomUUID();
    const { MessageId } = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: {
          'correlation-id': { DataType: 'String', StringValue: correlationId },
        },
      }),
    );
    process.stdout.write(
      `sent ${what}\n     message ${MessageId}, correlation id ${correlationId}\n`,
    );
  }
  sqs.destroy();
  process.stdout.write(
    [
      `${failures.length} messages on the local orders queue (${endpoint}); the processor dead-letters them in a few seconds.`,
      'Look: the console link npm start printed (Failed orders), or `npm run dlq -- list`.',
      '',
    ].join('\n'),
  );
}

main().catch((error) => refuse(error.message));
