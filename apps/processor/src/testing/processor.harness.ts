import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig, ProcessorConfig } from '@orders/config';
import { createProcessorApp } from '../create-processor-app';

/** Where the real services of jest's global setup are (what @orders/testing's testStack() returns). */
export interface TestServices {
  region: string;
  sqsEndpoint: string;
  databaseUrl: string;
}

export interface RunningProcessor {
  app: NestFastifyApplication;
  config: ProcessorConfig;
  get(path: string): Promise<{ status: number; body: string }>;
  /** Sum of a Prometheus series over all its labels. */
  metric(name: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The processor exactly as main.ts wires it (Nest app + the @ssut/nestjs-sqs consumers), in-process,
 * against the real fauxqs and PostgreSQL from jest's global setup. HTTP is served by inject().
 */
export async function startProcessor(
  stack: TestServices,
  queues: { queueUrl: string; dlqUrl: string },
  env: Record<string, string> = {},
): Promise<RunningProcessor> {
  const config = loadConfig(ProcessorConfig, {
    AWS_REGION: stack.region,
    SQS_ENDPOINT: stack.sqsEndpoint,
    ORDERS_QUEUE_URL: queues.queueUrl,
    ORDERS_DLQ_URL: queues.dlqUrl,
    DATABASE_URL: stack.databaseUrl,
    LOG_LEVEL: 'error',
    INSTANCE_ID: 'processor-int-spec',
    SQS_WAIT_TIME_SECONDS: '1',
    ...env,
  });
  const app = await createProcessorApp(config, { logger: false });
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  // Idempotent, so a spec can close in its body and again, safely, in afterEach.
  let closing: Promise<void> | undefined;
  const get = async (path: string) => {
    const response = await fastify.inject({ method: 'GET', url: path });
    return { status: response.statusCode, body: response.body };
  };
  return {
    app,
    config,
    get,
    metric: async (name: string) => {
      const { body } = await get('/metrics');
      return body
        .split('\n')
        .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    },
    close: () => (closing ??= app.close()),
  };
}
