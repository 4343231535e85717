import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { alertRules, REPO_ROOT, ruleGroups, run, tool } from './support/tools';

// The sidecar posts these alerts to Alertmanager itself (alertmanager.spec.ts sees the first arrive).
const SIDECAR_ALERTS = [
  { alert: 'OrdersDeadLettered', url: 'docs/runbooks.md#ordersdeadlettered' },
  { alert: 'OrdersDeadLetterIntakeStalled', url: 'docs/runbooks.md#ordersdeadletterintakestalled' },
];

interface Case {
  alert: string;
  series: Array<{ series: string; values: string }>;
  /** Minutes at which the alert must be firing, with these labels besides severity and service. */
  firing: { at: number; labels: Record<string, string> };
  /** Minutes at which it must not be firing yet (its `for`, or a healthy start). */
  quiet: number[];
}

// Input series as the apps export them and Prometheus Operator labels them; one minute per step.
const CASES: Case[] = [
  {
    alert: 'ProcessorPausedDatabaseDown',
    series: [{ series: 'processor_paused{namespace="orders-prod",pod="p-1"}', values: '0 1x10' }],
    quiet: [0, 2],
    firing: { at: 4, labels: { namespace: 'orders-prod' } },
  },
  {
    alert: 'DlqIntakeStalled',
    // Intake paused: the oldest waiting letter ages a minute per minute from 8 minutes.
    series: [
      {
        series: 'dlq_intake_waiting_age_seconds{namespace="orders-prod",pod="p-1"}',
        values: '480+60x10',
      },
    ],
    quiet: [0, 2],
    firing: { at: 3, labels: { namespace: 'orders-prod' } },
  },
  {
    alert: 'GatewaySqsSendErrors',
    series: [
      { series: 'sqs_send_errors_total{namespace="orders-prod",pod="g-1"}', values: '0 0 5+5x20' },
    ],
    quiet: [1, 5],
    firing: { at: 12, labels: { namespace: 'orders-prod' } },
  },
  {
    alert: 'GatewayHighErrorRate',
    series: [
      {
        series: 'http_request_duration_seconds_count{namespace="orders-prod",status="202"}',
        values: '0+100x30',
      },
      {
        series: 'http_request_duration_seconds_count{namespace="orders-prod",status="503"}',
        values: '0+10x30',
      },
    ],
    quiet: [5, 10],
    firing: { at: 20, labels: { namespace: 'orders-prod' } },
  },
  {
    alert: 'OrdersEndToEndSlow',
    series: [
      {
        series: 'orders_end_to_end_seconds_bucket{namespace="orders-prod",le="60"}',
        values: '0+1x40',
      },
      {
        series: 'orders_end_to_end_seconds_bucket{namespace="orders-prod",le="300"}',
        values: '0+2x40',
      },
      {
        series: 'orders_end_to_end_seconds_bucket{namespace="orders-prod",le="+Inf"}',
        values: '0+10x40',
      },
    ],
    quiet: [5, 10],
    firing: { at: 25, labels: { namespace: 'orders-prod' } },
  },
  {
    alert: 'DlqSidecarDown',
    series: [
      {
        series:
          'up{namespace="orders-prod",pod="p-1",container="dlq-sidecar",job="orders-prod/processor"}',
        values: '1 1 0x10',
      },
      {
        series:
          'up{namespace="orders-prod",pod="p-1",container="processor",job="orders-prod/processor"}',
        values: '1x12',
      },
    ],
    quiet: [1, 3],
    firing: { at: 5, labels: { namespace: 'orders-prod', pod: 'p-1' } },
  },
  {
    alert: 'DlqAlertsUndelivered',
    series: [
      {
        series: 'dlq_alerts_failed_total{namespace="orders-prod",channel="webhook",kind="firing"}',
        values: '0 0 0 1x10',
      },
    ],
    quiet: [2],
    firing: { at: 4, labels: { namespace: 'orders-prod', channel: 'webhook' } },
  },
  {
    // An hour's threshold; the DLQ's older letters are not the orders queue's (the regex leaves them out).
    alert: 'OrdersQueueOldestMessageTooOld',
    series: [
      {
        series: 'aws_sqs_approximate_age_of_oldest_message_maximum{queue_name="orders-prod"}',
        values: '3000+120x20',
      },
      {
        series: 'aws_sqs_approximate_age_of_oldest_message_maximum{queue_name="orders-prod-dlq"}',
        values: '500000x20',
      },
    ],
    // Above 3600 from minute 6 (3720), firing after its 5 minutes.
    quiet: [0, 8],
    firing: { at: 12, labels: { namespace: 'orders-prod', queue_name: 'orders-prod' } },
  },
  {
    // prod's only processor stops at minute 5 (its series ends: no pod, or a crash loop before the
    // first poll); staging's processors are paused for a database outage, which has its own alert.
    alert: 'OrdersQueueNotConsumed',
    series: [
      {
        series: 'aws_sqs_approximate_number_of_messages_visible_maximum{queue_name="orders-prod"}',
        values: '50x30',
      },
      {
        series: 'sqs_receive_batch_size_count{namespace="orders-prod",pod="p-1"}',
        values: '0+10x5 _x25',
      },
      {
        series:
          'aws_sqs_approximate_number_of_messages_visible_maximum{queue_name="orders-staging"}',
        values: '50x30',
      },
      { series: 'processor_paused{namespace="orders-staging",pod="s-1"}', values: '1x30' },
    ],
    quiet: [3, 15],
    firing: { at: 22, labels: { namespace: 'orders-prod', queue_name: 'orders-prod' } },
  },
  {
    alert: 'OrdersQueueMetricsMissing',
    series: [{ series: 'up{job="gateway"}', values: '1x40' }],
    quiet: [0, 20],
    firing: { at: 31, labels: {} },
  },
];

describe('the alert rules (k8s/components/monitoring/alerts.yaml)', () => {
  const promtool = tool('promtool');
  const dir = mkdtempSync(join(tmpdir(), 'alert-rules-'));
  const rulesFile = join(dir, 'rules.yaml');
  beforeAll(() => writeFileSync(rulesFile, stringify({ groups: ruleGroups() })));

  it('should pass promtool check rules', () => {
    const result = run(promtool, ['check', 'rules', rulesFile]);

    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('should fire each alert after its `for` with the expected labels and annotations (promtool test rules)', () => {
    const rules = new Map(alertRules().map((rule) => [rule.alert, rule]));
    const tests = CASES.map((testCase) => {
      const rule = rules.get(testCase.alert);
      if (!rule) {
        throw new Error(`no rule ${testCase.alert}`);
      }
      return {
        interval: '1m',
        input_series: testCase.series,
        alert_rule_test: [
          ...testCase.quiet.map((minute) => ({
            eval_time: `${minute}m`,
            alertname: testCase.alert,
            exp_alerts: [],
          })),
          {
            eval_time: `${testCase.firing.at}m`,
            alertname: testCase.alert,
            exp_alerts: [
              {
                exp_labels: { ...rule.labels, ...testCase.firing.labels },
                exp_annotations: rule.annotations,
              },
            ],
          },
        ],
      };
    });
    const testFile = join(dir, 'rules.test.yaml');
    writeFileSync(testFile, stringify({ rule_files: ['rules.yaml'], tests }));

    const result = run(promtool, ['test', 'rules', testFile]);

    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('should unit-test every rule', () => {
    expect(
      alertRules()
        .map((rule) => rule.alert)
        .sort(),
    ).toEqual(CASES.map((testCase) => testCase.alert).sort());
  });

  it('should give every alert a unique name, also against the sidecar alert', () => {
    const names = [
      ...alertRules().map((rule) => rule.alert),
      ...SIDECAR_ALERTS.map(({ alert }) => alert),
    ];

    expect(new Set(names).size).toBe(names.length);
  });

  it('should point every rule and the sidecar alert at a runbook section in docs/', () => {
    const urls = [
      ...alertRules().map((rule) => ({ alert: rule.alert, url: rule.annotations?.runbook_url })),
      ...SIDECAR_ALERTS,
    ];
    for (const { alert, url } of urls) {
      const [file, anchor] = String(url).split('#');
      expect({ alert, file }).toEqual({ alert, file: expect.stringMatching(/^docs\/.+\.md$/) });
      const headings = readFileSync(join(REPO_ROOT, file), 'utf8')
        .split('\n')
        .filter((line) => line.startsWith('#'))
        .map((line) =>
          line
            .replace(/^#+\s*/, '')
            .toLowerCase()
            .replace(/[^a-z0-9 -]/g, '')
            .replace(/ /g, '-'),
        );
      expect({ alert, anchor: headings.includes(anchor) ? anchor : `missing: ${anchor}` }).toEqual({
        alert,
        anchor: alert.toLowerCase(),
      });
    }
  });
});
