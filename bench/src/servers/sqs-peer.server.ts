// The peer a user would write from the seed's recipe: a plain Fastify handler that validates the
// body with the contract's own rules and calls SendMessage once per request. Kept only to compare
// the gateway against; it gets the contract's fast DTO factory too, so validation costs the same.
import 'reflect-metadata';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  buildOrderAcceptedEnvelope,
  CONTRACT_VALIDATION,
  describeValidationErrors,
  MessageAttribute,
  toCreateOrderDto,
} from '@orders/contracts';
import { validateSync } from 'class-validator';
import { fastify } from 'fastify';
import { randomUUID } from 'node:crypto';

const queueUrl = process.env.ORDERS_QUEUE_URL;
const sqs = new SQSClient({ region: process.env.AWS_REGION, endpoint: process.env.SQS_ENDPOINT });
const app = fastify({ logger: false });

app.post('/orders', async (request, reply) => {
  const body = request.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return reply.code(400).send({ statusCode: 400, message: 'the body must be a JSON object' });
  }
  const order = toCreateOrderDto(body as Record<string, unknown>);
  const errors = validateSync(order, CONTRACT_VALIDATION);
  if (errors.length > 0) {
    return reply.code(400).send({
      statusCode: 400,
      message: 'Invalid request body',
      fields: describeValidationErrors(errors),
    });
  }
  const orderId = randomUUID();
  try {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(buildOrderAcceptedEnvelope(orderId, new Date(), order)),
        MessageAttributes: {
          [MessageAttribute.CorrelationId]: { DataType: 'String', StringValue: randomUUID() },
        },
      }),
    );
  } catch {
    return reply.code(503).send({ statusCode: 503, message: 'The order queue is unavailable' });
  }
  return reply.code(202).send({ orderId, status: 'accepted' });
});

app.get('/health/ready', async () => ({ status: 'ok' }));

// Close on SIGTERM like the apps do, so `node --cpu-prof` can write its profile on the way out.
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));

void app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
