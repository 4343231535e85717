// The real-server tier: the specs that touch the database, run again on Debian's PostgreSQL 15
// (apt) and through PgBouncer in transaction mode in front of it. Each jest run's global setup
// (or the chaos stack) starts and stops the servers; ORDERS_TEST_POSTGRES says which.
// Usage: node tests/real-server/run.mjs [debian|pgbouncer ...] [--only <project>]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The harness that the jest global setup uses too (CommonJS, read at run time).
const { missingRealServerTools, REAL_SERVER_INSTALL } = createRequire(import.meta.url)(
  join(ROOT, 'libs', 'testing', 'src', 'stack', 'real-postgres.cjs'),
);
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
// The repository's Node (npm scripts put it first on PATH). A bare `node` may be the system's older
// one, and the apps the specs start inherit it: Node 20 refuses their heap flag and they never
// become ready (what made the sidecar's redrive specs fail here in an earlier session).
const REPO_NODE = join(ROOT, 'node_modules', '.bin', 'node');
const NODE = existsSync(REPO_NODE) ? REPO_NODE : process.execPath;

// Project folder and the spec files (path patterns) of it that touch PostgreSQL.
const SUITES = [
  ['libs/persistence', ['\\.int-spec\\.ts$']],
  ['apps/gateway', ['orders\\.http\\.int-spec']],
  ['apps/processor', ['order-batch\\.int-spec', 'back-pressure\\.int-spec', 'drain\\.int-spec']],
  [
    'apps/dlq-sidecar',
    [
      // Records, plans, redrives, discards and the admin doors: statements and transactions only,
      // so they must hold through PgBouncer in transaction mode too.
      'failed-orders\\.int-spec',
      'staged-redrive\\.int-spec',
      'admin\\.http\\.int-spec',
    ],
  ],
  ['tests/e2e', ['pipeline\\.e2e-spec']],
  ['tests/chaos', ['02-database-outage', '03-deadlocks']],
];

// Apps and libs keep their integration specs in a config of their own; the test tiers in one.
const jestConfig = (project) =>
  existsSync(join(ROOT, project, 'jest.int.config.cjs'))
    ? 'jest.int.config.cjs'
    : 'jest.config.cjs';

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const servers = args.filter((arg) => ['debian', 'pgbouncer'].includes(arg));
const chosen = servers.length > 0 ? servers : ['debian', 'pgbouncer'];

const missing = missingRealServerTools();
if (missing.length > 0) {
  const bar = '!'.repeat(100);
  process.stdout.write(
    `\n${bar}\n!! REAL-SERVER TIER FAILED: this machine lacks ${missing.join(', ')}\n` +
      `!! Nothing was tested on Debian's PostgreSQL or through PgBouncer. Install them: ${REAL_SERVER_INSTALL}\n${bar}\n\n`,
  );
  // npm test installs them first (tools/system-packages): a missing tool is a failure, never a pass.
  process.exit(1);
}

const resultsDir = join(ROOT, 'tmp', 'real-server', new Date().toISOString().replace(/[:.]/g, '-'));
mkdirSync(resultsDir, { recursive: true });
const rows = [];
for (const server of chosen) {
  for (const [project, patterns] of SUITES) {
    if (only && !project.endsWith(only)) {
      continue;
    }
    const outputFile = join(resultsDir, `${server}-${project.replace(/\//g, '-')}.json`);
    process.stdout.write(`\n=== real-server tier: ${project} on ${server}\n`);
    const run = spawnSync(
      NODE,
      [JEST, '--config', jestConfig(project), '--json', `--outputFile=${outputFile}`, ...patterns],
      {
        cwd: join(ROOT, project),
        stdio: 'inherit',
        env: { ...process.env, ORDERS_TEST_POSTGRES: server },
      },
    );
    let summary = { numPassedTests: 0, numFailedTests: 0, numTotalTestSuites: 0 };
    try {
      summary = JSON.parse(readFileSync(outputFile, 'utf8'));
    } catch {
      // No report: jest itself failed; counted as a failure below.
    }
    rows.push({
      server,
      project,
      suites: summary.numTotalTestSuites,
      passed: summary.numPassedTests,
      failed: summary.numFailedTests,
      ok: run.status === 0,
    });
  }
}

const table = [
  '| server | project | spec files | passed | failed | result |',
  '|---|---|---|---|---|---|',
  ...rows.map(
    (row) =>
      `| ${row.server === 'debian' ? 'Debian PostgreSQL 15' : 'PgBouncer (transaction) → PostgreSQL 15'} | ${row.project} | ${row.suites} | ${row.passed} | ${row.failed} | ${row.ok ? 'pass' : 'FAIL'} |`,
  ),
].join('\n');
const passed = rows.reduce((sum, row) => sum + row.passed, 0);
const failed = rows.reduce((sum, row) => sum + row.failed, 0);
process.stdout.write(
  `\nReal-server tier (${resultsDir}):\n${table}\n\n${passed} passed, ${failed} failed\n`,
);
process.exit(rows.every((row) => row.ok) ? 0 : 1);
