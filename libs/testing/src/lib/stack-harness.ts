import { join } from 'node:path';

/** The parts of libs/testing/src/stack/*.mjs that specs use (those files are ESM, like fauxqs). */
export interface AppProcessHandle {
  readonly name: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  start(): AppProcessHandle;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RunningStack {
  env: Record<string, string>;
  urls: Record<string, string>;
  apps: Record<string, AppProcessHandle>;
  ready(timeoutMs?: number): Promise<unknown>;
  stop(): Promise<void>;
}

export interface StackOptions {
  apps?: string[];
  sqs?: { endpoint: string; region: string; ordersQueueUrl: string; ordersDlqUrl: string };
  postgres?: { url: string };
  env?: Record<string, string>;
  appEnv?: Record<string, Record<string, string>>;
  restart?: boolean;
  waitReady?: boolean;
  log?: (name: string, line: string) => void;
}

export interface StackHarness {
  startStack(options: StackOptions): Promise<RunningStack>;
  waitForHttp(url: string, timeoutMs?: number): Promise<void>;
  sha256Hex(value: string): string;
}

// CommonJS on purpose (see stack.cjs): a plain require works under jest, no VM-modules needed.
const stackModule = require(join(__dirname, '..', 'stack', 'stack.cjs')) as Pick<
  StackHarness,
  'startStack' | 'sha256Hex' | 'waitForHttp'
>;

export async function loadStackHarness(): Promise<StackHarness> {
  return {
    startStack: stackModule.startStack,
    sha256Hex: stackModule.sha256Hex,
    waitForHttp: stackModule.waitForHttp,
  };
}

/** The stack's SQS and Postgres as started by jest's global setup, in the shape startStack takes. */
export function globalSetupServices(queues: { queueUrl: string; dlqUrl: string }) {
  const env = process.env;
  return {
    sqs: {
      endpoint: env.TEST_SQS_ENDPOINT as string,
      region: env.AWS_REGION ?? 'us-east-1',
      ordersQueueUrl: queues.queueUrl,
      ordersDlqUrl: queues.dlqUrl,
    },
    postgres: { url: env.TEST_DATABASE_URL as string },
  };
}
