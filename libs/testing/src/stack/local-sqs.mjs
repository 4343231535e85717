// fauxqs is ESM-only and in-memory: it lives in the process that starts it.
import { SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { freePort } from './free-port.cjs';
import { createQueuePair } from './queue-pair.cjs';

/** The orders queue `npm start` creates on its emulator (tools/local-stack/demo-failures.mjs feeds it). */
export const LOCAL_ORDERS_QUEUE = 'orders';

/**
 * Starts the SQS emulator on 127.0.0.1 and creates the orders queue with its DLQ wired by a
 * redrive policy, as in production. fauxqs's own start listens on every interface, which would
 * put a laptop's orders, unauthenticated, on its network: its app is bound here instead, and the
 * queues are created through the SQS API, as a deployment would. Queue URLs keep fauxqs's form
 * (`http://sqs.<region>.localhost:PORT/...`, which does not resolve here): clients use `endpoint`.
 */
export async function startLocalSqs({
  port,
  region = 'us-east-1',
  queueName = LOCAL_ORDERS_QUEUE,
  dlqName = 'orders-dlq',
  maxReceiveCount = 5,
  visibilityTimeoutSeconds = 30,
} = {}) {
  const app = buildApp({ logger: false, defaultRegion: region });
  const chosenPort = port || (await freePort());
  await app.listen({ port: chosenPort, host: '127.0.0.1' });
  const endpoint = `http://127.0.0.1:${chosenPort}`;
  const sqs = new SQSClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  const { queueUrl, dlqUrl } = await createQueuePair(sqs, {
    queueName,
    dlqName,
    maxReceiveCount,
    visibilityTimeoutSeconds,
  });
  sqs.destroy();
  return {
    endpoint,
    region,
    port: chosenPort,
    ordersQueueUrl: queueUrl,
    ordersDlqUrl: dlqUrl,
    stop: () => app.close(),
  };
}
