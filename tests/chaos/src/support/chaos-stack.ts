import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsFaultProxy, TcpFaultProxy } from '@orders/testing';
import { join } from 'node:path';
import { Pool } from 'pg';
import { DatabaseFaults } from './database-faults';
import { AppProcess, harness, LocalPostgres, LocalSqs, RunningStack } from './harness';
import { ProcessLogs } from './process-logs';

/**
 * Processor settings for chaos: short visibility timeout and redelivery delays so that crashed
 * work comes back within seconds, four pollers, and one log line per message (the evidence).
 */
export const CHAOS_PROCESSOR_ENV: Record<string, string> = {
  LOG_LEVEL: 'info',
  POLLERS: '4',
  DB_POOL_SIZE: '6',
  SQS_WAIT_TIME_SECONDS: '2',
  VISIBILITY_TIMEOUT_SECONDS: '10',
  HEARTBEAT_INTERVAL_SECONDS: '3',
  HANDLER_TIMEOUT_MS: '8000',
  DRAIN_BUDGET_MS: '10000',
  DB_CONNECT_TIMEOUT_MS: '1000',
  // Chaos batches take milliseconds; a statement stuck behind a pooler gives up after 3 + 1 s.
  DB_STATEMENT_TIMEOUT_MS: '3000',
  PAUSE_PROBE_INTERVAL_MS: '500',
  REDELIVERY_BASE_SECONDS: '1',
  REDELIVERY_MAX_SECONDS: '20',
};

// Rate limiting off: the whole load comes from one address.
const CHAOS_GATEWAY_ENV: Record<string, string> = {
  LOG_LEVEL: 'warn',
  RATE_LIMIT_PER_MINUTE: '0',
  SEND_TIMEOUT_MS: '3000',
};

export interface Replica {
  process: AppProcess;
  url: string;
}

export interface ChaosStack {
  stack: RunningStack;
  sqs: LocalSqs;
  postgres: LocalPostgres;
  sqsClient: SQSClient;
  pool: Pool;
  faults: DatabaseFaults;
  logs: ProcessLogs;
  gatewayUrl: string;
  processor: Replica;
  /** Set when the gateway reaches SQS through a fault proxy. */
  gatewaySqsProxy?: TcpFaultProxy;
  /** Set when gateway and processor reach SQS through the SQS fault proxy (faults off until set). */
  sqsFaultProxy?: SqsFaultProxy;
  /** Another processor replica on the same queue and database. */
  addProcessor(name: string, env?: Record<string, string>): Promise<Replica>;
  stop(): Promise<void>;
}

export interface ChaosStackOptions {
  processorEnv?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
  /** Route the gateway's SQS traffic through a TcpFaultProxy. */
  proxyGatewaySqs?: boolean;
  /** Route the gateway's and the processors' SQS calls through an SqsFaultProxy. */
  sqsFaults?: boolean;
}

/** Real fauxqs, a real PostgreSQL of its own, gateway and processor as real processes from dist/. */
export async function startChaosStack(
  scenario: string,
  options: ChaosStackOptions = {},
): Promise<ChaosStack> {
  const {
    REPO_ROOT,
    APPS,
    startStack,
    startLocalSqs,
    startLocalPostgres,
    AppProcess,
    waitForHttp,
    freePort,
  } = harness();
  const logs = new ProcessLogs();
  const sqs = await startLocalSqs({ maxReceiveCount: 5, visibilityTimeoutSeconds: 10 });
  let postgres: LocalPostgres | undefined;
  let gatewaySqsProxy: TcpFaultProxy | undefined;
  let sqsFaultProxy: SqsFaultProxy | undefined;
  let stack: RunningStack;
  try {
    postgres = await startLocalPostgres({
      dataDir: join(
        REPO_ROOT,
        'tmp',
        'chaos',
        `${scenario}-${process.pid}-${Date.now()}`,
        'postgres',
      ),
      fresh: true,
      durable: false,
    });
    gatewaySqsProxy = options.proxyGatewaySqs
      ? await TcpFaultProxy.start({ host: '127.0.0.1', port: sqs.port })
      : undefined;
    sqsFaultProxy = options.sqsFaults ? await SqsFaultProxy.start(sqs.endpoint) : undefined;
    const faultyEndpoint: Record<string, string> = sqsFaultProxy
      ? { SQS_ENDPOINT: sqsFaultProxy.endpoint }
      : {};
    stack = await startStack({
      apps: ['gateway', 'processor'],
      sqs,
      postgres,
      log: logs.sink,
      appEnv: {
        processor: { ...CHAOS_PROCESSOR_ENV, ...faultyEndpoint, ...options.processorEnv },
        gateway: {
          ...CHAOS_GATEWAY_ENV,
          ...faultyEndpoint,
          ...(gatewaySqsProxy ? { SQS_ENDPOINT: gatewaySqsProxy.route(sqs.endpoint) } : {}),
          ...options.gatewayEnv,
        },
      },
    });
  } catch (error) {
    // fauxqs lives in this process: left running, it would keep jest from exiting.
    await gatewaySqsProxy?.close();
    await sqsFaultProxy?.close();
    await sqs.stop().catch(() => undefined);
    await postgres?.destroy().catch(() => undefined);
    throw error;
  }
  const database = postgres;
  const processorEnv = {
    ...CHAOS_PROCESSOR_ENV,
    ...(sqsFaultProxy ? { SQS_ENDPOINT: sqsFaultProxy.endpoint } : {}),
    ...options.processorEnv,
  };
  const pool = new Pool({ connectionString: database.url, max: 4 });
  // The scenario may stop PostgreSQL under this pool: idle clients then fail, which is expected.
  pool.on('error', () => undefined);
  const faults = new DatabaseFaults(pool);
  await faults.install();
  const sqsClient = new SQSClient({
    region: sqs.region,
    endpoint: sqs.endpoint,
    credentials: { accessKeyId: 'chaos', secretAccessKey: 'chaos' },
  });
  const replicas: Replica[] = [];

  return {
    stack,
    sqs,
    postgres: database,
    sqsClient,
    pool,
    faults,
    logs,
    gatewaySqsProxy,
    sqsFaultProxy,
    gatewayUrl: stack.urls.gateway,
    processor: { process: stack.apps.processor, url: stack.urls.processor },
    async addProcessor(name, env = {}) {
      const port = await freePort();
      const replica = new AppProcess({
        name,
        entry: join(REPO_ROOT, APPS.processor.entry),
        env: { ...stack.env, ...processorEnv, ...env, PORT: String(port) },
        log: logs.sink,
      });
      replica.start();
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}/health/live`, 30_000);
      replicas.push({ process: replica, url });
      return { process: replica, url };
    },
    async stop() {
      await Promise.allSettled(replicas.map((replica) => replica.process.stop(15_000)));
      await stack.stop().catch(() => undefined);
      await pool.end().catch(() => undefined);
      sqsClient.destroy();
      await gatewaySqsProxy?.close();
      await sqsFaultProxy?.close();
      await sqs.stop().catch(() => undefined);
      await database.destroy().catch(() => undefined);
    },
  };
}

/** Sum of a Prometheus series (all labels) as a process exposes it on /metrics; undefined if unreachable. */
export async function metric(baseUrl: string, name: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
    const body = await response.text();
    return body
      .split('\n')
      .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  } catch {
    return undefined;
  }
}

export async function httpStatus(url: string): Promise<number | 'unreachable'> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 'unreachable';
  }
}

/** Polls until the check returns true; throws with the description after the timeout. */
export async function waitUntil(
  description: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) {
      return Date.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${description}`);
}
