import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');

interface LoadResult {
  okPerSecond: number;
  ok: number;
  round: number;
  latencyMs: { p50: number; p99: number };
  cpu: { serverMsPerOk: number | null };
  statusCounts: Record<string, number>;
  sqs?: { perOrder: number; byAction: Record<string, number> };
  lockHeldFraction?: number;
}

interface DrainResult {
  finished: boolean;
  stored: number;
  ordersPerSecond: number;
}

interface Figure {
  median: number | null;
  min: number | null;
  max: number | null;
  spread: number | null;
  flagged: boolean;
  samples: number[];
}

type Sender = Record<'healthy' | 'degraded' | 'down', LoadResult[]>;

interface ConsoleRound {
  round: number;
  median: number;
  samples: number[];
}

interface BenchResults {
  settings: {
    backlogOrders: number;
    rounds: number;
    coldStartRounds: number;
    consoleRecords: number;
    consoleSamples: number;
  };
  tracing: { mode: string; active: boolean };
  sections: {
    intake: Record<'noop' | 'gateway' | 'gatewayTraced' | 'peer' | 'baseline', Sender>;
    processor: {
      rounds: {
        receiveDelete: { messagesPerSecond: number };
        insert: { rowsPerSecond: number };
        drain: { one: DrainResult; two: DrainResult };
      }[];
    };
    endToEnd: {
      replicas: number;
      rounds: {
        allStored: boolean;
        latencyMs: { p50: number; p99: number };
        sqs: { perOrder: number; byAction: Record<string, number> };
      }[];
    };
    console: {
      records: number;
      views: { id: string; limit: boolean; rounds: ConsoleRound[] }[];
    };
  };
  summary: {
    ratios: Record<string, Figure>;
    coldStart: Record<string, { coldStartMs: Figure; idleRssMiB: Figure }>;
  };
  timeline: {
    samples: { t: number; series: string; rate: number }[];
    steps: { section: string; label: string }[];
  };
  targets: { id: string; met: boolean | null; value: Figure }[];
}

// Smoke only: every phase runs for a couple of seconds and the result files must be complete and
// plausible. Speed targets are judged by the full run (`npm run bench`), never in CI.
describe('bench (smoke run)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  let output = '';
  let exitCode: number | string | null = null;
  let results: BenchResults;

  beforeAll(() => {
    const run = spawnSync(
      process.execPath,
      ['bench/src/run.mjs', '--smoke', '--quiet', '--out-dir', outDir],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        // A smoke run takes 3 to 7 minutes (6 min 20 s at load 11); it checks completeness, not speed.
        timeout: 840_000,
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    output = `${run.stdout}\n${run.stderr}`;
    exitCode = run.status ?? `signal ${run.signal} (the spawn timeout?)`;
    const json = readdirSync(outDir).find((file) => /-smoke\.json$/.test(file));
    results = JSON.parse(json ? readFileSync(join(outDir, json), 'utf8') : '{}') as BenchResults;
  });

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('should finish and write the Markdown, SVG, summary JSON and raw JSON reports', () => {
    if (exitCode !== 0) {
      throw new Error(`bench exited with ${exitCode}:\n${output.slice(-4000)}`);
    }
    const files = readdirSync(outDir);
    expect(files.filter((file) => /-smoke\.(json|md|svg|summary\.json)$/.test(file))).toHaveLength(
      4,
    );
    const read = (suffix: string) =>
      readFileSync(join(outDir, files.find((file) => file.endsWith(suffix)) as string), 'utf8');
    const svg = read('.svg');
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<polyline');
    const markdown = read('.md');
    expect(markdown).toContain('## Targets');
    expect(markdown).toContain('-smoke.svg)');
    expect(markdown).toContain('## 8. Console views');
    const summary = JSON.parse(read('.summary.json')) as { targets: unknown[]; sections?: unknown };
    expect(summary.targets.length).toBe(results.targets.length);
    expect(summary.sections).toBeUndefined();
  });

  it('should print progress with the step, the repetition, the elapsed time and an ETA', () => {
    expect(output).toMatch(
      /\[bench +\d+ s, ETA [^\]]+\] step \d+\/\d+: intake round 2\/2 · gateway/,
    );
  });

  it('should run every intake target once per round, after a warm-up of each', () => {
    const { intake } = results.sections;
    const rounds = results.settings.rounds;
    for (const sender of ['noop', 'gateway', 'gatewayTraced', 'peer', 'baseline'] as const) {
      expect(intake[sender].healthy.map((run) => run.round)).toEqual(
        Array.from({ length: rounds }, (_, index) => index + 1),
      );
    }
    const labels = results.timeline.steps.map((step) => step.label);
    const firstRound = labels.findIndex((label) => label.startsWith('intake round 1/'));
    for (const target of ['no-op', 'gateway', 'gateway traced', 'SQS peer', 'coupled']) {
      const warmUp = labels.indexOf(`warm-up · ${target}`);
      expect(warmUp).toBeGreaterThanOrEqual(0);
      expect(warmUp).toBeLessThan(firstRound);
    }
    for (const load of [
      intake.noop.healthy[0],
      intake.gateway.healthy[0],
      intake.peer.healthy[0],
    ]) {
      expect(load.ok).toBeGreaterThan(0);
      expect(load.latencyMs.p99).toBeGreaterThanOrEqual(load.latencyMs.p50);
      expect(load.cpu.serverMsPerOk).toBeGreaterThan(0);
    }
    expect(Object.keys(intake.gateway.healthy[0].statusCounts)).toEqual(['202']);
    expect(Object.keys(intake.peer.healthy[0].statusCounts)).toEqual(['202']);
  });

  it('should count one SendMessage per order for the peer and batches for the gateway', () => {
    const { gateway, peer } = results.sections.intake;
    const send = peer.healthy[0].sqs as { perOrder: number; byAction: Record<string, number> };
    expect(send.byAction.SendMessage).toBeGreaterThanOrEqual(peer.healthy[0].ok);
    expect(send.perOrder).toBeGreaterThanOrEqual(1);
    expect(gateway.healthy[0].sqs?.byAction.SendMessageBatch).toBeGreaterThan(0);
    expect(gateway.healthy[0].sqs?.perOrder).toBeLessThan(1);
  });

  it('should keep the gateway accepting while the database is down, and the coupled baseline failing', () => {
    const { gateway, baseline } = results.sections.intake;
    for (const run of gateway.down) {
      expect(run.ok).toBeGreaterThan(0);
      expect(Object.keys(run.statusCounts)).toEqual(['202']);
    }
    for (const run of baseline.down) {
      expect(run.ok).toBe(0);
      expect(run.statusCounts['503']).toBeGreaterThan(0);
    }
    // After each outage the baseline stores orders again in the next round's healthy phase.
    expect(baseline.healthy.every((run) => run.ok > 0)).toBe(true);
    expect(baseline.degraded[0].lockHeldFraction).toBeGreaterThan(0);
  });

  it('should drain every backlog with one and two processors, next to both raw ceilings, each round', () => {
    const { processor, endToEnd } = results.sections;
    expect(processor.rounds).toHaveLength(results.settings.rounds);
    for (const round of processor.rounds) {
      expect(round.receiveDelete.messagesPerSecond).toBeGreaterThan(0);
      expect(round.insert.rowsPerSecond).toBeGreaterThan(0);
      for (const drain of [round.drain.one, round.drain.two]) {
        expect(drain).toMatchObject({ finished: true, stored: results.settings.backlogOrders });
        expect(drain.ordersPerSecond).toBeGreaterThan(0);
      }
    }
    expect(endToEnd.replicas).toBeGreaterThanOrEqual(1);
    for (const round of endToEnd.rounds) {
      expect(round.allStored).toBe(true);
      expect(round.latencyMs.p99).toBeGreaterThanOrEqual(round.latencyMs.p50);
      // Every stored order needs a receive; a batched pipeline needs far less than 3 calls.
      expect(round.sqs.byAction.ReceiveMessage).toBeGreaterThan(0);
      expect(round.sqs.perOrder).toBeGreaterThan(0);
      expect(round.sqs.perOrder).toBeLessThan(3);
    }
  });

  it('should time cold starts and idle memory of each app next to a bare Nest-Fastify app', () => {
    const { coldStart } = results.summary;
    for (const app of ['nestNoop', 'gateway', 'processor', 'gatewayUncached']) {
      expect(coldStart[app].coldStartMs.samples).toHaveLength(results.settings.coldStartRounds);
      expect(coldStart[app].coldStartMs.median).toBeGreaterThan(0);
      expect(coldStart[app].idleRssMiB.median).toBeGreaterThan(20);
    }
  });

  it('should give every target a median with its spread from paired rounds, and a verdict', () => {
    const ids = results.targets.map((target) => target.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'gateway-cpu',
        'gateway-throughput',
        'peer-cpu',
        'peer-p99',
        'peer-sqs-requests',
        'db-down-throughput',
        'db-down-p99',
        'drain-per-replica',
        'e2e-p99',
        'sqs-requests',
        'gateway-idle-rss',
        'gateway-cold-start',
        'tracing-cpu',
        'console-groups',
        'console-listByCodeAndClient',
      ]),
    );
    for (const target of results.targets) {
      expect(target.value.median).toBeGreaterThan(0);
      expect(target.value.min).toBeLessThanOrEqual(target.value.median as number);
      expect(target.value.max).toBeGreaterThanOrEqual(target.value.median as number);
      expect(typeof target.value.flagged).toBe('boolean');
      expect(target.met === null || typeof target.met === 'boolean').toBe(true);
    }
    const cpu = results.summary.ratios.gatewayCpuVsNoop;
    expect(cpu.samples).toHaveLength(results.settings.rounds);
  });

  it('should time every console view over HTTP in each round, with the 300 ms target on groups and filtered lists', () => {
    const { console: views } = results.sections;
    const { rounds, consoleRecords, consoleSamples } = results.settings;
    expect(views.records).toBe(consoleRecords);
    expect(views.views.map((view) => [view.id, view.limit])).toEqual([
      ['groups', true],
      ['groupsSince', true],
      ['listByCodeAndClient', true],
      ['bodySearch', true],
      ['orderPage', false],
      ['overview', false],
    ]);
    for (const view of views.views) {
      expect(view.rounds.map((entry) => entry.round)).toEqual(
        Array.from({ length: rounds }, (_, index) => index + 1),
      );
      for (const entry of view.rounds) {
        expect(entry.samples).toHaveLength(consoleSamples);
        expect(entry.median).toBeGreaterThan(0);
      }
    }
    const consoleTargets = results.targets.filter((target) => target.id.startsWith('console-'));
    expect(consoleTargets.map((target) => target.met === null)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
    ]);
  });

  it('should chart every measured phase second by second', () => {
    const series = new Set(results.timeline.samples.map((sample) => sample.series));
    for (const name of ['noop', 'gateway', 'peer', 'baseline', 'drainOne', 'endToEnd']) {
      expect(series).toContain(name);
    }
  });
});

describe('bench options', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['bench/src/run.mjs', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, NODE_OPTIONS: '' },
    });

  it('should refuse an unknown --tracing value with a message naming the choices', () => {
    const result = run('--smoke', '--tracing', 'sometimes');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--tracing must be off, on or both, not "sometimes"');
  });

  it('should refuse a --rounds value that is not a whole number of at least one', () => {
    const result = run('--smoke', '--rounds', '0');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--rounds must be a whole number ≥ 1, not "0"');
  });
});
