import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');

interface LoadResult {
  okPerSecond: number;
  ok: number;
  latencyMs: { p50: number; p99: number };
  cpu: { serverMsPerOk: number | null };
  statusCounts: Record<string, number>;
  lockHeldFraction?: number;
}

interface DrainResult {
  finished: boolean;
  stored: number;
  ordersPerSecond: number;
}

interface SqsRequests {
  perOrder: number;
  byAction: Record<string, number>;
}

interface BenchResults {
  settings: { backlogOrders: number };
  sections: {
    ceiling: LoadResult;
    intake: Record<'gateway' | 'baseline', Record<'healthy' | 'degraded' | 'down', LoadResult>>;
    processor: {
      ceilings: { receiveDelete: { messagesPerSecond: number }; insert: { rowsPerSecond: number } };
      drain: { one: DrainResult; two: DrainResult };
      endToEnd: { allStored: boolean; latencyMs: { p50: number; p99: number } };
    };
    sqsRequests: { endToEnd: SqsRequests };
    coldStart: Record<string, { coldStartMs: number; idleRssMiB: number }>;
  };
  targets: { id: string; met: boolean; ratio: number }[];
}

// Smoke only: every phase runs for a couple of seconds and the result file must be complete and
// plausible. Speed targets are judged by the full run (`npm run bench`), never in CI.
describe('bench (smoke run)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  let output = '';
  let exitCode: number | null = null;
  let results: BenchResults;

  beforeAll(() => {
    const run = spawnSync(
      process.execPath,
      ['bench/src/run.mjs', '--smoke', '--quiet', '--out-dir', outDir],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 140_000,
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    output = `${run.stdout}\n${run.stderr}`;
    exitCode = run.status;
    const json = readdirSync(outDir).find((file) => file.endsWith('.json'));
    results = JSON.parse(json ? readFileSync(join(outDir, json), 'utf8') : '{}') as BenchResults;
  });

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('should finish and write the JSON, Markdown and SVG reports', () => {
    if (exitCode !== 0) {
      throw new Error(`bench exited with ${exitCode}:\n${output.slice(-4000)}`);
    }
    const files = readdirSync(outDir);
    expect(files.filter((file) => /-smoke\.(json|md|svg)$/.test(file))).toHaveLength(3);
    const svg = readFileSync(
      join(outDir, files.find((file) => file.endsWith('.svg')) as string),
      'utf8',
    );
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    const markdown = readFileSync(
      join(outDir, files.find((file) => file.endsWith('.md')) as string),
      'utf8',
    );
    expect(markdown).toContain('## Targets');
  });

  it('should measure the ceiling and the gateway with accepted orders and their own CPU time', () => {
    const { ceiling, intake } = results.sections;
    for (const load of [ceiling, intake.gateway.healthy]) {
      expect(load.ok).toBeGreaterThan(0);
      expect(load.okPerSecond).toBeGreaterThan(0);
      expect(load.latencyMs.p99).toBeGreaterThanOrEqual(load.latencyMs.p50);
      expect(load.cpu.serverMsPerOk).toBeGreaterThan(0);
    }
    expect(Object.keys(intake.gateway.healthy.statusCounts)).toEqual(['202']);
  });

  it('should keep the gateway accepting while the database is down, and the coupled baseline failing', () => {
    const { gateway, baseline } = results.sections.intake;
    expect(gateway.down.ok).toBeGreaterThan(0);
    expect(Object.keys(gateway.down.statusCounts)).toEqual(['202']);
    expect(baseline.healthy.ok).toBeGreaterThan(0);
    expect(baseline.down.ok).toBe(0);
    expect(baseline.down.statusCounts['503']).toBeGreaterThan(0);
    expect(baseline.degraded.lockHeldFraction).toBeGreaterThan(0);
  });

  it('should drain the whole backlog with one and two processors, next to both raw ceilings', () => {
    const { processor, sqsRequests } = results.sections;
    expect(processor.ceilings.receiveDelete.messagesPerSecond).toBeGreaterThan(0);
    expect(processor.ceilings.insert.rowsPerSecond).toBeGreaterThan(0);
    for (const drain of [processor.drain.one, processor.drain.two]) {
      expect(drain).toMatchObject({ finished: true, stored: results.settings.backlogOrders });
      expect(drain.ordersPerSecond).toBeGreaterThan(0);
    }
    expect(processor.endToEnd.allStored).toBe(true);
    expect(processor.endToEnd.latencyMs.p99).toBeGreaterThanOrEqual(
      processor.endToEnd.latencyMs.p50,
    );
    // Every stored order needs at least one receive; a batched pipeline needs far less than 3 calls.
    expect(sqsRequests.endToEnd.byAction.ReceiveMessage).toBeGreaterThan(0);
    expect(sqsRequests.endToEnd.perOrder).toBeGreaterThan(0);
    expect(sqsRequests.endToEnd.perOrder).toBeLessThan(3);
  });

  it('should time cold starts and idle memory of each app next to a bare Nest-Fastify app', () => {
    const { coldStart } = results.sections;
    for (const app of ['nestNoop', 'gateway', 'processor']) {
      expect(coldStart[app].coldStartMs).toBeGreaterThan(0);
      expect(coldStart[app].idleRssMiB).toBeGreaterThan(20);
    }
  });

  it('should check every target of the issue with a ratio and a verdict', () => {
    const ids = results.targets.map((target) => target.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'gateway-cpu',
        'gateway-throughput',
        'db-down-throughput',
        'db-down-p99',
        'drain-per-replica',
        'sqs-requests',
        'gateway-idle-rss',
        'gateway-cold-start',
      ]),
    );
    for (const target of results.targets) {
      expect(typeof target.met).toBe('boolean');
      expect(target.ratio).toBeGreaterThan(0);
    }
  });
});
