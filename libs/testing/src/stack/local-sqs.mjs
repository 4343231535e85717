// fauxqs is ESM-only and in-memory: it lives in the process that starts it.
import { startFauxqs } from 'fauxqs';
import { freePort } from './free-port.cjs';

/**
 * Starts the SQS emulator on 127.0.0.1 and creates the orders queue with its DLQ wired by a
 * redrive policy, as in production. fauxqs names queues `http://sqs.<region>.localhost:PORT/...`,
 * which does not resolve here: clients must use `endpoint` (127.0.0.1) and keep the URL as is.
 */
export async function startLocalSqs({
  port,
  region = 'us-east-1',
  queueName = 'orders',
  dlqName = 'orders-dlq',
  maxReceiveCount = 5,
  visibilityTimeoutSeconds = 30,
} = {}) {
  const chosenPort = port || (await freePort());
  const server = await startFauxqs({ port: chosenPort, logger: false, defaultRegion: region });
  const endpoint = `http://127.0.0.1:${server.port}`;

  const createPair = (main, dead, receives = maxReceiveCount) => {
    const dlq = server.createQueue(dead, {
      region,
      attributes: { MessageRetentionPeriod: '1209600' },
    });
    const queue = server.createQueue(main, {
      region,
      attributes: {
        VisibilityTimeout: String(visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlq.queueArn,
          maxReceiveCount: receives,
        }),
      },
    });
    return { queueUrl: queue.queueUrl, dlqUrl: dlq.queueUrl };
  };

  const { queueUrl, dlqUrl } = createPair(queueName, dlqName);
  return {
    server,
    endpoint,
    region,
    port: server.port,
    ordersQueueUrl: queueUrl,
    ordersDlqUrl: dlqUrl,
    /** Another isolated queue pair, e.g. one per test file. */
    createQueuePair: createPair,
    stop: () => server.stop(),
  };
}
