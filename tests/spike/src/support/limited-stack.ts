import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { parseAllDocuments } from 'yaml';
import { MemoryCgroup, peakRssBytes } from './memory-cgroup';

interface SpikeHarness {
  REPO_ROOT: string;
  HEAP_FLAG: string;
  startStack(options: Record<string, unknown>): Promise<{
    urls: Record<string, string>;
    apps: Record<string, { pid?: number; exits: { code: number | null; signal: string | null }[] }>;
    stop(): Promise<void>;
  }>;
  startLocalPostgres(options: Record<string, unknown>): Promise<{
    url: string;
    destroy(): Promise<void>;
  }>;
  startLocalSqs(options: Record<string, unknown>): Promise<{
    endpoint: string;
    region: string;
    ordersQueueUrl: string;
    stop(): Promise<void>;
  }>;
}

export interface LoadResult {
  statuses: Record<string, number>;
  codes: Record<string, number>;
  requests: number;
  errors: number;
  errorKinds: Record<string, number>;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  durationSeconds: number;
}

export const APPS = ['gateway', 'processor'] as const;
export type App = (typeof APPS)[number];

const harness = (globalThis as unknown as { __spikeHarness: SpikeHarness }).__spikeHarness;
export const REPO_ROOT = harness.REPO_ROOT;
const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

export const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Memory limits of the prod overlay's containers, as kustomize builds them. */
export function prodMemoryLimits(): Record<App, number> {
  const built = execFileSync(
    process.env.KUBECTL ?? 'kubectl',
    ['kustomize', join(REPO_ROOT, 'k8s/overlays/prod')],
    { encoding: 'utf8' },
  );
  const limits: Record<string, number> = {};
  for (const document of parseAllDocuments(built)) {
    const object = document.toJS() as {
      kind?: string;
      spec?: {
        template?: {
          spec?: { containers?: { name: string; resources?: { limits?: { memory?: string } } }[] };
        };
      };
    };
    if (object?.kind !== 'Deployment') {
      continue;
    }
    for (const container of object.spec?.template?.spec?.containers ?? []) {
      const match = /^(\d+)(Ki|Mi|Gi)$/.exec(container.resources?.limits?.memory ?? '');
      if (match) {
        limits[container.name] = Number(match[1]) * UNITS[match[2]];
      }
    }
  }
  for (const app of APPS) {
    if (!limits[app]) {
      throw new Error(`the prod overlay sets no memory limit for the ${app} container`);
    }
  }
  return limits as Record<App, number>;
}

/** The image's heap flag is the one the launcher gives the apps here. */
export function imageHeapFlag(): { image: string; launcher: string } {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  return {
    image: /^ENV NODE_OPTIONS=(.*)$/m.exec(dockerfile)?.[1] ?? '',
    launcher: harness.HEAP_FLAG,
  };
}

export interface LimitedStack {
  gatewayUrl: string;
  limits: Record<App, number>;
  logs: string[];
  pid(app: App): number;
  exits(): Record<App, number>;
  oomKills(): Record<App, number>;
  peakRss(): Record<App, number>;
  stored(customerId: string): Promise<number>;
  queued(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Gateway and processor built from dist/, each in a memory cgroup of its prod limit, with the
 * local SQS and a fresh PostgreSQL outside the limits (they stand for AWS).
 */
export async function startLimitedStack(): Promise<LimitedStack> {
  const limits = prodMemoryLimits();
  const groups = Object.fromEntries(
    APPS.map((app) => [app, MemoryCgroup.create(`orders-spike-${app}`, limits[app])]),
  ) as Record<App, MemoryCgroup>;
  const sqs = await harness.startLocalSqs({ maxReceiveCount: 5 });
  const postgres = await harness.startLocalPostgres({
    dataDir: join(REPO_ROOT, 'tmp', 'spike', `${process.pid}-${Date.now()}`, 'postgres'),
    fresh: true,
    durable: false,
  });
  const pool = new Pool({ connectionString: postgres.url, max: 2 });
  // PostgreSQL goes away at the end under this pool's idle client.
  pool.on('error', () => undefined);
  const sqsClient = new SQSClient({
    region: sqs.region,
    endpoint: sqs.endpoint,
    credentials: { accessKeyId: 'spike', secretAccessKey: 'spike' },
  });
  const logs: string[] = [];
  const stack = await harness.startStack({
    apps: [...APPS],
    sqs,
    postgres,
    appCgroups: { gateway: groups.gateway.path, processor: groups.processor.path },
    log: (name: string, line: string) => logs.push(`${name} ${line}`),
    appEnv: {
      gateway: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' },
      processor: { LOG_LEVEL: 'warn', SQS_WAIT_TIME_SECONDS: '2' },
    },
  });
  const pid = (app: App) => stack.apps[app].pid as number;
  const perApp = <T>(read: (app: App) => T) =>
    Object.fromEntries(APPS.map((app) => [app, read(app)])) as Record<App, T>;
  return {
    gatewayUrl: stack.urls.gateway,
    limits,
    logs,
    pid,
    exits: () => perApp((app) => stack.apps[app].exits.length),
    oomKills: () => perApp((app) => groups[app].oomKills()),
    peakRss: () => perApp((app) => peakRssBytes(pid(app))),
    stored: async (customerId) =>
      Number(
        (await pool.query('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [customerId]))
          .rows[0].n,
      ),
    queued: async () => {
      const { Attributes } = await sqsClient.send(
        new GetQueueAttributesCommand({
          QueueUrl: sqs.ordersQueueUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes?.ApproximateNumberOfMessages) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
      );
    },
    async stop() {
      await stack.stop();
      await pool.end();
      await postgres.destroy();
      await sqs.stop();
      Object.values(groups).forEach((group) => group.remove());
    },
  };
}

/** A few orders first, as a load balancer's slow start gives a new replica. */
export async function warmUp(gatewayUrl: string, customerId: string): Promise<void> {
  for (let index = 0; index < 20; index += 1) {
    await fetch(`${gatewayUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customerId,
        currency: 'EUR',
        items: [{ sku: 'WARM', quantity: 1, unitPriceCents: 1 }],
      }),
    });
  }
}

/**
 * Load from a separate process (support/load.mjs): `connections` clients posting for `seconds`,
 * as fast as answers come or, with `perSecond`, at that total rate.
 */
export function runLoad(options: {
  gatewayUrl: string;
  connections: number;
  seconds: number;
  customerId: string;
  timeoutSeconds: number;
  perSecond?: number;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        join(__dirname, 'load.mjs'),
        options.gatewayUrl,
        String(options.connections),
        String(options.seconds),
        options.customerId,
        String(options.timeoutSeconds),
        String(options.perSecond ?? 0),
      ],
      { maxBuffer: 1 << 20 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as LoadResult)),
    );
  });
}

export function writeFigures(name: string, figures: unknown, logs: string[]): void {
  const directory = join(REPO_ROOT, 'tmp', 'spike');
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, `${name}.json`), JSON.stringify(figures, null, 2));
  writeFileSync(join(directory, `${name}.apps.log`), logs.join('\n'));
  process.stdout.write(`${name} figures: ${JSON.stringify(figures)}\n`);
}
