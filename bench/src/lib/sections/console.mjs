import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { BenchApp, REPO_ROOT } from '../bench-stack.mjs';
import { waitForQuietMachine } from '../load.mjs';
import { cpuSeconds, postgresCpuSeconds } from '../proc-stats.mjs';
import { round, summarise } from '../stats.mjs';
import { range, target } from '../targets.mjs';

// (8) The operator console (issue 20): with 10,000 failed orders stored, the groups view and a
// filtered list answer in under 300 ms of server time, rendering included.
export const CONSOLE_BUDGET_MS = 300;

/** Records seeded, requests per view per round, unmeasured requests per view first. */
export const CONSOLE_MODES = {
  full: { consoleRecords: 10_000, consoleSamples: 9, consoleWarmup: 5 },
  // Proves the section works; says nothing about speed.
  smoke: { consoleRecords: 500, consoleSamples: 3, consoleWarmup: 1 },
};

export function consolePlan(settings) {
  return { console: { steps: 1 + settings.rounds, seconds: 6 } };
}

const SIDECAR_ENTRY = join(REPO_ROOT, 'dist/apps/dlq-sidecar/main.js');
const CODES = ['INVALID_ENVELOPE', 'REJECTED_BY_DATABASE', 'MALFORMED_JSON', 'MOVED_BY_SQS'];
const CLIENTS = 500;

/**
 * The views an operator opens, in the order every round requests them. `limit` = the issue's
 * budget applies (groups and filtered lists); the order page and the overview are reported.
 * `expect` checks each answer is the real page, not an error page that happens to be fast.
 */
function viewsFor(records) {
  // Order i has code CODES[i % 4], client `client-${i % 500}` and the text `needle-${i}` in its body.
  const probe = Math.floor(records * 0.4242);
  const perClient = Math.floor((records - 2) / CLIENTS) + 1; // i ≡ 2 (mod 500), 1 ≤ i ≤ records
  const matches = (count) => new RegExp(`<strong>${count}</strong> failed orders? match`);
  return [
    {
      id: 'groups',
      label: 'Failure groups',
      path: '/console/groups',
      limit: true,
      expect: `>${records / CODES.length}</span>`,
    },
    {
      id: 'groupsSince',
      label: 'Failure groups with `since=2h` (new since)',
      path: '/console/groups?since=2h',
      limit: true,
      expect: 'since',
    },
    {
      id: 'listByCodeAndClient',
      label: `List filtered by code and client (${perClient} of ${records.toLocaleString('en-US')})`,
      path: '/console/orders?code=MALFORMED_JSON&client=client-2',
      limit: true,
      expect: matches(perClient),
    },
    {
      id: 'bodySearch',
      label: `List by text in the body (1 of ${records.toLocaleString('en-US')})`,
      path: `/console/orders?q=${encodeURIComponent(`needle-${probe}"`)}`,
      limit: true,
      expect: matches(1),
    },
    {
      id: 'orderPage',
      label: 'A failed order’s page (audited read)',
      path: `/console/orders/${orderIdOf(probe)}`,
      limit: false,
      expect: orderIdOf(probe),
    },
    { id: 'overview', label: 'Overview', path: '/console', limit: false, expect: 'failed' },
  ];
}

/** The order id the seed gives order i: md5(i) as a uuid, as PostgreSQL's md5(i::text)::uuid. */
function orderIdOf(i) {
  return hash(String(i)).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}
const hash = (text) => createHash('md5').update(text).digest('hex');

/**
 * Seeds failed orders straight into PostgreSQL (this measures the views, not intake), starts the
 * built sidecar as a process with the console behind a trusted auth proxy (identity headers from
 * 127.0.0.1), warms every view up, then requests each view `consoleSamples` times per round over
 * HTTP on loopback: routing, identity check, queries and rendering, what an operator's browser
 * waits for minus the network.
 */
export async function consoleViews({ ctx }) {
  const { settings, sqs, database, log, step } = ctx;
  const records = settings.consoleRecords;
  step(
    'console',
    `console · seed ${records.toLocaleString('en-US')} failed orders, start the sidecar`,
  );
  const queue = await sqs.createQueuePair('console');
  const dlqName = queue.dlqUrl.split('/').pop();
  const seedStartedAt = performance.now();
  await seed(database.pool, dlqName, records);
  const seedSeconds = round((performance.now() - seedStartedAt) / 1000, 1);
  const sidecar = new BenchApp({
    name: 'dlq-sidecar',
    entry: SIDECAR_ENTRY,
    log,
    env: {
      AWS_REGION: sqs.region,
      SQS_ENDPOINT: sqs.endpoint,
      ORDERS_QUEUE_URL: queue.queueUrl,
      ORDERS_DLQ_URL: queue.dlqUrl,
      DATABASE_URL: database.url,
      ALERT_LOG: 'false',
      ALERT_CUSTOMER_MASK_SECRET: 'bench-mask-secret-not-a-secret',
      CONSOLE_SIGN_IN: 'proxy',
      PROXY_TRUSTED_CIDRS: '127.0.0.1/32',
      CONSOLE_SESSION_SECRET: 'bench-console-session-secret-not-a-secret',
    },
  });
  const headers = { 'x-forwarded-email': 'bench@example.com', 'x-forwarded-groups': 'admin' };
  await sidecar.start();
  try {
    const views = viewsFor(records);
    const get = async (view) => {
      const startedAt = performance.now();
      const response = await fetch(`${sidecar.url}${view.path}`, { headers });
      const body = await response.text();
      const ms = performance.now() - startedAt;
      const expected =
        typeof view.expect === 'string' ? body.includes(view.expect) : view.expect.test(body);
      if (response.status !== 200 || !expected) {
        throw new Error(
          `console ${view.path}: ${response.status}, expected ${view.expect}: ${body.slice(0, 300)}`,
        );
      }
      return ms;
    };
    for (const view of views) {
      for (let i = 0; i < settings.consoleWarmup; i++) {
        await get(view);
      }
    }
    const results = Object.fromEntries(views.map((view) => [view.id, []]));
    for (let roundNo = 1; roundNo <= settings.rounds; roundNo++) {
      step('console', `console round ${roundNo}/${settings.rounds} · every view`);
      const waited = await waitForQuietMachine(settings.quietWaitSeconds, 'console', log);
      for (const view of views) {
        const cpuBefore = cpuSeconds(sidecar.pid);
        const postgresBefore = postgresCpuSeconds(database.dataDir);
        const samples = [];
        for (let i = 0; i < settings.consoleSamples; i++) {
          samples.push(await get(view));
        }
        const cpuMs = ((cpuSeconds(sidecar.pid) - cpuBefore) * 1000) / samples.length;
        const postgresMs =
          ((postgresCpuSeconds(database.dataDir) - postgresBefore) * 1000) / samples.length;
        results[view.id].push({
          round: roundNo,
          ...summarise(samples, 1),
          // CPU spent per request (10 ms clock ticks, so coarse): the rest of the time is waiting.
          sidecarCpuMsPerRequest: round(cpuMs, 1),
          postgresCpuMsPerRequest: round(postgresMs, 1),
          loadAverage: round(loadavg()[0], 2),
          waitedForQuietSeconds: waited,
        });
      }
      log(
        `  console round ${roundNo}: ${views.map((view) => `${view.id} ${results[view.id].at(-1).median} ms`).join(', ')} (load average ${round(loadavg()[0], 1)})`,
      );
    }
    return {
      records,
      seedSeconds,
      samplesPerRound: settings.consoleSamples,
      views: views.map(({ id, label, path, limit }) => ({
        id,
        label,
        path,
        limit,
        rounds: results[id],
      })),
    };
  } finally {
    await sidecar.stop();
  }
}

/** Four codes, 500 clients, failures every 17 s back over the last 47 hours (10,000 orders). */
async function seed(pool, dlqName, records) {
  await pool.query(
    `WITH made AS (
       INSERT INTO dlq_records (dlq_name, failure_code, failure_reason, order_id, client_id, customer_id, body, first_failed_at, last_failed_at)
       SELECT $1, ($3::text[])[1 + i % 4], 'reason ' || i,
              md5(i::text)::uuid::text, 'client-' || (i % ${CLIENTS}), 'customer-' || i,
              json_build_object('orderId', md5(i::text)::uuid, 'clientId', 'client-' || (i % ${CLIENTS}),
                'order', json_build_object('customerId', 'customer-' || i, 'note', 'needle-' || i))::text,
              now() - make_interval(secs => i * 17), now() - make_interval(secs => i * 17)
         FROM generate_series(1, $2::int) i RETURNING id, body, failure_code, order_id, last_failed_at)
     INSERT INTO dlq_letters (record_id, dlq_name, message_id, body, attributes, system_attributes, failure_code, failure_reason,
                              failure_detail, receive_count, sent_at, first_failed_at, last_failed_at, order_id)
     SELECT id, $1, 'm-' || id, body, '{}', '{}', failure_code, 'r', '{}', 1, last_failed_at, last_failed_at, last_failed_at, order_id FROM made`,
    [dlqName, records, CODES],
  );
  await pool.query(
    `INSERT INTO dlq_groups (dlq_name, failure_code) SELECT DISTINCT dlq_name, failure_code FROM dlq_records WHERE dlq_name = $1`,
    [dlqName],
  );
  // What autovacuum does shortly after a burst of failures: the planner knows the table's size.
  await pool.query('ANALYZE dlq_records; ANALYZE dlq_letters');
}

/** Every view: the median of its round medians with min–max, and the spread inside the rounds. */
export function summariseConsole(section) {
  if (!section) {
    return null;
  }
  return {
    records: section.records,
    samplesPerRound: section.samplesPerRound,
    views: section.views.map((view) => ({
      id: view.id,
      label: view.label,
      path: view.path,
      limit: view.limit,
      ms: summarise(
        view.rounds.map((entry) => entry.median),
        1,
      ),
      // The slowest single request of any round, and the widest spread inside one round.
      maxMs: round(Math.max(...view.rounds.map((entry) => entry.max)), 1),
      withinRoundSpread: round(Math.max(...view.rounds.map((entry) => entry.spread ?? 0)), 3),
      sidecarCpuMs: summarise(
        view.rounds.map((entry) => entry.sidecarCpuMsPerRequest),
        1,
      ),
      postgresCpuMs: summarise(
        view.rounds.map((entry) => entry.postgresCpuMsPerRequest),
        1,
      ),
    })),
    loadAverage: summarise(
      section.views.flatMap((view) => view.rounds.map((entry) => entry.loadAverage)),
      2,
    ),
  };
}

/** One target row per view: ≤ 300 ms for the groups views and the filtered lists, the rest reported. */
export function consoleTargets(figures) {
  if (!figures) {
    return [];
  }
  const records = figures.records.toLocaleString('en-US');
  return figures.views.map((view) =>
    target({
      id: `console-${view.id}`,
      text: `${view.limit ? '' : '(reported) '}Console, ${records} failed orders: ${view.label}, server time`,
      value: view.ms,
      limit: view.limit ? CONSOLE_BUDGET_MS : null,
      unit: ' ms',
      absolute: `slowest request ${view.maxMs} ms; CPU per request: sidecar ${range(view.sidecarCpuMs, ' ms')}, PostgreSQL ${range(view.postgresCpuMs, ' ms')}`,
    }),
  );
}

/** The section's Markdown, appended to the report after the other sections. */
export function renderConsoleMarkdown(figures, section) {
  if (!figures) {
    return '';
  }
  const row = (cells) => `| ${cells.join(' | ')} |`;
  const fig = (figure) =>
    figure?.median === null || figure?.median === undefined
      ? '–'
      : `${figure.median} (${figure.min}–${figure.max})${figure.flagged ? ' ⚠' : ''}`;
  const lines = [
    '',
    '## 8. Console views',
    '',
    `${figures.records.toLocaleString('en-US')} failed orders (four codes, 500 clients, failures over 47 hours) written straight into the bench’s PostgreSQL ` +
      `(${section.seedSeconds} s), then the built sidecar (\`dist/apps/dlq-sidecar/main.js\`) as its own process, the console signed in through a trusted auth proxy. ` +
      `Each round requests every view ${figures.samplesPerRound} times in a row over HTTP on 127.0.0.1 after an unmeasured warm-up; ` +
      'time = request sent → last byte of the page read (routing, identity check, queries, rendering). ' +
      `Load average (1 min) during the rounds: ${figures.loadAverage.median} (${figures.loadAverage.min}–${figures.loadAverage.max}).`,
    '',
    row([
      'View',
      'Median of round medians, ms (min–max)',
      'Round medians',
      'Widest spread in a round',
      'Slowest request ms',
      'CPU ms per request: sidecar / PostgreSQL',
      'Limit',
    ]),
    row(Array(7).fill('---')),
    ...figures.views.map((view) =>
      row([
        `${view.label} — \`${view.path}\``,
        fig(view.ms),
        view.ms.samples.join(' / '),
        `${Math.round(view.withinRoundSpread * 100)} %`,
        String(view.maxMs),
        `${fig(view.sidecarCpuMs)} / ${fig(view.postgresCpuMs)}`,
        view.limit ? `≤ ${CONSOLE_BUDGET_MS} ms` : '–',
      ]),
    ),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

/** The key figures of a partial run (`--only console`), with the verdicts. */
export function consoleLines(section) {
  const figures = summariseConsole(section);
  return consoleTargets(figures).map(
    (t) =>
      `console ${t.met === null ? 'info  ' : t.met ? 'met   ' : 'MISSED'} ${t.target}: ${t.value.median} ms (${t.value.min}–${t.value.max}, rounds ${t.value.samples.join(' / ')})${t.limit ? ` limit ${t.limit}` : ''}; ${t.absolute}`,
  );
}
