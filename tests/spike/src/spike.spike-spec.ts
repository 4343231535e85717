import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { parseAllDocuments } from 'yaml';
import { MemoryCgroup, peakRssBytes } from './support/memory-cgroup';

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

interface OverloadResult {
  statuses: Record<string, number>;
  codes: Record<string, number>;
  requests: number;
  errors: number;
  errorKinds: Record<string, number>;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const harness = (globalThis as unknown as { __spikeHarness: SpikeHarness }).__spikeHarness;
const env = process.env;
// 45-60 s by the issue; SPIKE_SECONDS shortens it for a quick local try only.
const SECONDS = Number(env.SPIKE_SECONDS ?? 45);
const CONNECTIONS = Number(env.SPIKE_CONNECTIONS ?? 200);
// The documented deadline for an answer: SEND_TIMEOUT_MS (5 s, the gateway's default).
const DEADLINE_MS = 5000;
// The clients wait twice that before they give up (a timeout fails the tier too).
const CLIENT_TIMEOUT_SECONDS = 10;
const RSS_SHARE_ALLOWED = 0.85;
const CUSTOMER = `spike-${Date.now()}`;
const APPS = ['gateway', 'processor'] as const;

const UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };

/** Memory limits of the prod overlay's containers, as kustomize builds them. */
function prodMemoryLimits(root: string): Record<(typeof APPS)[number], number> {
  const built = execFileSync(
    env.KUBECTL ?? 'kubectl',
    ['kustomize', join(root, 'k8s/overlays/prod')],
    {
      encoding: 'utf8',
    },
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
      const text = container.resources?.limits?.memory ?? '';
      const match = /^(\d+)(Ki|Mi|Gi)$/.exec(text);
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
  return limits as Record<(typeof APPS)[number], number>;
}

function overload(url: string): Promise<OverloadResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        join(__dirname, 'support/overload.mjs'),
        url,
        String(CONNECTIONS),
        String(SECONDS),
        CUSTOMER,
        String(CLIENT_TIMEOUT_SECONDS),
      ],
      { maxBuffer: 1 << 20 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as OverloadResult)),
    );
  });
}

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

describe('spike: the built apps inside their prod memory limits, the gateway overloaded', () => {
  it(`should shed and survive ${SECONDS} s of ${CONNECTIONS} connections: 0 killed, 0 dropped, only 202/4xx/503, every 202 stored`, async () => {
    // Arrange: limits from the prod overlay, a memory cgroup per app (or one line why not).
    const limits = prodMemoryLimits(harness.REPO_ROOT);
    expect(readFileSync(join(harness.REPO_ROOT, 'Dockerfile'), 'utf8')).toContain(
      `ENV NODE_OPTIONS=${harness.HEAP_FLAG}`,
    );
    const groups = Object.fromEntries(
      APPS.map((app) => [app, MemoryCgroup.create(`orders-spike-${app}`, limits[app])]),
    ) as Record<(typeof APPS)[number], MemoryCgroup>;
    const sqs = await harness.startLocalSqs({ maxReceiveCount: 5 });
    const postgres = await harness.startLocalPostgres({
      dataDir: join(harness.REPO_ROOT, 'tmp', 'spike', `${process.pid}-${Date.now()}`, 'postgres'),
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
    const stored = async () =>
      Number(
        (await pool.query('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [CUSTOMER]))
          .rows[0].n,
      );
    const queued = async () => {
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
    };

    try {
      // Act: the overload, then the processor drains what was accepted.
      // A few orders first, as a load balancer's slow start gives a new replica: 200 requests
      // hitting code never run before take seconds of compiling on a starved CPU.
      for (let index = 0; index < 20; index += 1) {
        await fetch(`${stack.urls.gateway}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            customerId: `${CUSTOMER}-warm`,
            currency: 'EUR',
            items: [{ sku: 'WARM', quantity: 1, unitPriceCents: 1 }],
          }),
        });
      }
      const load = await overload(stack.urls.gateway);
      const drainUntil = Date.now() + 120_000;
      while (Date.now() < drainUntil && (await queued()) > 0) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const storedCount = await stored();
      const peaks = Object.fromEntries(
        APPS.map((app) => [app, peakRssBytes(stack.apps[app].pid as number)]),
      );
      const exits = Object.fromEntries(APPS.map((app) => [app, stack.apps[app].exits.length]));
      const oomKills = Object.fromEntries(APPS.map((app) => [app, groups[app].oomKills()]));
      const accepted = load.statuses['202'] ?? 0;
      const shed = load.codes['503 OVERLOADED'] ?? 0;
      const outcomeUnknown = load.codes['503 OUTCOME_UNKNOWN'] ?? 0;
      const figures = {
        seconds: SECONDS,
        connections: CONNECTIONS,
        ...load,
        acceptedPerSecond: Math.round(accepted / SECONDS),
        shedRate: Number((shed / Math.max(1, load.requests)).toFixed(3)),
        stored: storedCount,
        leftInQueue: await queued(),
        exits,
        oomKills,
        peakRssMiB: Object.fromEntries(APPS.map((app) => [app, mib(peaks[app])])),
        limitMiB: Object.fromEntries(APPS.map((app) => [app, mib(limits[app])])),
      };
      mkdirSync(join(harness.REPO_ROOT, 'tmp', 'spike'), { recursive: true });
      writeFileSync(
        join(harness.REPO_ROOT, 'tmp', 'spike', 'figures.json'),
        JSON.stringify(figures, null, 2),
      );
      writeFileSync(join(harness.REPO_ROOT, 'tmp', 'spike', 'apps.log'), logs.join('\n'));
      process.stdout.write(`spike figures: ${JSON.stringify(figures)}\n`);

      // Assert: alive, every connection answered in time, only allowed answers, nothing lost.
      expect(exits).toEqual({ gateway: 0, processor: 0 });
      expect(oomKills).toEqual({ gateway: 0, processor: 0 });
      expect(load.errors).toBe(0);
      expect(load.timeouts).toBe(0);
      // The deadline plus a second for the answer to be written and read on a busy machine.
      expect(load.maxMs).toBeLessThanOrEqual(DEADLINE_MS + 1000);
      expect(
        Object.keys(load.statuses).filter(
          (status) => !(status === '202' || status === '503' || /^4\d\d$/.test(status)),
        ),
      ).toEqual([]);
      expect(accepted).toBeGreaterThan(0);
      expect(figures.leftInQueue).toBe(0);
      // Every 202 stored; an unknown outcome may or may not have landed, a shed request never.
      expect(storedCount).toBeGreaterThanOrEqual(accepted);
      expect(storedCount).toBeLessThanOrEqual(accepted + outcomeUnknown);
      for (const app of APPS) {
        expect(peaks[app]).toBeLessThanOrEqual(limits[app] * RSS_SHARE_ALLOWED);
      }
    } finally {
      await stack.stop();
      await pool.end();
      await postgres.destroy();
      await sqs.stop();
      Object.values(groups).forEach((group) => group.remove());
    }
  });
});
