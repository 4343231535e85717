import { createQueuePair, globalSetupServices, proveImage, testSqsClient } from '@orders/testing';

// The Dockerfile cannot be built here (no container engine); this runs its steps for real:
// pruned production install from the build's lockfile, non-root user, `node main.js`, SIGTERM.
describe('Dockerfile steps without Docker', () => {
  it.each(['gateway', 'processor'])(
    'should install production dependencies only, boot %s and exit 0 on SIGTERM',
    async (app) => {
      const services = globalSetupServices(await createQueuePair(testSqsClient()));

      const log = await proveImage(app, {
        AWS_REGION: services.sqs.region,
        SQS_ENDPOINT: services.sqs.endpoint,
        ORDERS_QUEUE_URL: services.sqs.ordersQueueUrl,
        ORDERS_DLQ_URL: services.sqs.ordersDlqUrl,
        DATABASE_URL: services.postgres.url,
        AUTH_REQUIRED: 'false',
        LOG_LEVEL: 'warn',
      });

      expect(log).toEqual(
        expect.arrayContaining([
          `[image] ${app}: GET /health/live answered 200`,
          `[image] ${app}: SIGTERM -> exit 0`,
        ]),
      );
    },
  );
});
