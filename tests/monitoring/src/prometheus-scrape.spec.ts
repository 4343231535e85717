import {
  createQueuePair,
  eventually,
  globalSetupServices,
  loadStackHarness,
  RunningStack,
  testSqsClient,
} from '@orders/testing';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  alertRules,
  daemon,
  metricsIn,
  MONITORING,
  run,
  SCRAPE_SERIES,
  CLOUDWATCH_SERIES,
  tool,
} from './support/tools';

const APPS = ['gateway', 'processor', 'dlq-sidecar'] as const;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every metric name an exposition declares (`# TYPE`), with the series a histogram or summary adds. */
function declaredMetrics(exposition: string): string[] {
  return [...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
    type === 'histogram'
      ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`]
      : type === 'summary'
        ? [name, `${name}_sum`, `${name}_count`]
        : [name],
  );
}

interface DashboardPanel {
  title: string;
  targets?: { expr: string }[];
}

describe('a real Prometheus scraping the three apps', () => {
  const promtool = tool('promtool');
  const prometheusBinary = tool('prometheus');
  let stack: RunningStack;
  let prometheus: ReturnType<typeof daemon>;
  let prometheusUrl: string;
  const expositions: Record<string, string> = {};

  const query = async (promql: string) => {
    const response = await fetch(
      `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`,
    );
    return (await response.json()) as {
      status: string;
      error?: string;
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
  };

  beforeAll(async () => {
    const harness = await loadStackHarness();
    const queues = await createQueuePair(testSqsClient());
    stack = await harness.startStack({
      ...globalSetupServices(queues),
      apps: [...APPS],
      appEnv: { processor: { SQS_WAIT_TIME_SECONDS: '1' } },
    });
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    const port = await freePort();
    prometheusUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        scrape_configs: APPS.map((app) => ({
          job_name: app,
          static_configs: [{ targets: [new URL(stack.urls[app]).host] }],
        })),
      }),
    );
    prometheus = daemon(prometheusBinary, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ]);
    for (const app of APPS) {
      expositions[app] = await (await fetch(`${stack.urls[app]}/metrics`)).text();
    }
  });

  afterAll(async () => {
    await prometheus?.stop();
    await stack?.stop();
  });

  it('should scrape every app successfully', async () => {
    await eventually(async () => {
      const up = await query('up');
      expect(
        Object.fromEntries(up.data.result.map((series) => [series.metric.job, series.value[1]])),
      ).toEqual({ gateway: '1', processor: '1', 'dlq-sidecar': '1' });
    }, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\nprometheus output:\n${prometheus.output().slice(-2000)}`);
    });
  });

  it.each(APPS)('should find no problems in the %s metrics (promtool check metrics)', (app) => {
    const result = run(promtool, ['check', 'metrics'], expositions[app]);

    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it('should query only metrics the apps export, in every dashboard panel and alert rule', () => {
    const exported = new Set([
      ...SCRAPE_SERIES,
      ...CLOUDWATCH_SERIES,
      ...APPS.flatMap((app) => declaredMetrics(expositions[app])),
    ]);
    const dashboard = JSON.parse(readFileSync(join(MONITORING, 'dashboard.json'), 'utf8')) as {
      panels: DashboardPanel[];
    };
    const used = [
      ...dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({
          where: `panel "${panel.title}"`,
          expr: target.expr,
        })),
      ),
      ...alertRules().map((rule) => ({ where: `rule ${rule.alert}`, expr: rule.expr })),
    ];

    const unknown = used.flatMap(({ where, expr }) =>
      metricsIn(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );

    expect(dashboard.panels.length).toBeGreaterThan(0);
    expect(unknown).toEqual([]);
  });

  it('should accept every dashboard query (Prometheus parses and runs it)', async () => {
    const dashboard = JSON.parse(readFileSync(join(MONITORING, 'dashboard.json'), 'utf8')) as {
      panels: DashboardPanel[];
    };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const promql = target.expr
          .replace(/\$namespace/g, '.*')
          .replace(/\$__rate_interval/g, '1m');
        const answer = await query(promql);
        expect({ panel: panel.title, promql, status: answer.status, error: answer.error }).toEqual({
          panel: panel.title,
          promql,
          status: 'success',
          error: undefined,
        });
      }
    }
  });
});
