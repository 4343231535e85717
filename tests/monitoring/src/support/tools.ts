import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = resolve(__dirname, '../../../..');
export const MONITORING = join(REPO_ROOT, 'k8s/components/monitoring');
// The shared step of `npm test` installs them (root on Debian) or names the command.
const INSTALL = 'node tools/system-packages/ensure.mjs';

/** The path of a Debian monitoring binary; a missing one fails the test, it never skips it. */
export function tool(name: 'promtool' | 'prometheus' | 'prometheus-alertmanager'): string {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status !== 0) {
    throw new Error(`${name} is not installed: run ${INSTALL} (npm test starts with it)`);
  }
  return found.stdout.trim();
}

export function run(
  command: string,
  args: string[],
  input?: string,
): { code: number | null; output: string } {
  const result = spawnSync(command, args, { input, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A long-running binary, stopped by the returned function; its output is kept for failures. */
export function daemon(
  command: string,
  args: string[],
): { stop: () => Promise<void>; output: () => string } {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The rule groups of the PrometheusRule, as a plain Prometheus rules file holds them. */
export function ruleGroups(): { name: string; rules: AlertRule[] }[] {
  const rule = parse(readFileSync(join(MONITORING, 'alerts.yaml'), 'utf8'));
  return rule.spec.groups;
}

export const alertRules = (): AlertRule[] => ruleGroups().flatMap((group) => group.rules);

/** Series Prometheus makes itself for every target. */
export const SCRAPE_SERIES = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** AWS/SQS from CloudWatch as prometheus-community's cloudwatch_exporter names it (k8s/README.md, Queue metrics). */
export const CLOUDWATCH_SERIES = new Set([
  'aws_sqs_approximate_age_of_oldest_message_maximum',
  'aws_sqs_approximate_number_of_messages_visible_maximum',
]);

/** Metric names a PromQL expression reads: what is left once strings, matchers, ranges and grouping are gone. */
export function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = stripped.match(/\b[a-zA-Z_:][a-zA-Z0-9_:]*\b(?!\s*\()/g) ?? [];
  return [...new Set(names.filter((name) => !PROMQL_KEYWORDS.has(name)))];
}

const PROMQL_KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'group_left',
  'group_right',
]);
