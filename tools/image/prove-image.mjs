// Performs the Dockerfile's steps for one app without a container engine and boots the result.
//   npx nx run gateway:build && node tools/image/prove-image.mjs gateway
import { proveImage } from '../../libs/testing/src/stack/image.cjs';

const app = process.argv[2] ?? 'gateway';
proveImage(app, {
  env: {
    AWS_REGION: 'us-east-1',
    ORDERS_QUEUE_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders',
    ORDERS_DLQ_URL: 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq',
    SQS_ENDPOINT: 'http://127.0.0.1:4566',
    DATABASE_URL: 'postgres://orders:orders-local-only@127.0.0.1:5433/orders',
    AUTH_REQUIRED: 'false',
  },
}).catch((error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
