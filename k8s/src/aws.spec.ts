import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { ACK_GROUPS } from './aws/aws-resources';
import {
  componentDirectory,
  GENERATED_FILE,
  overlayKustomization,
  renderComponentFile,
} from './aws/component';
import { FOURTEEN_DAYS_SECONDS, queueSettings } from './aws/queue-settings';
import { buildWithAwsComponent } from './aws/variants';
import { buildEnvironment, ENVIRONMENTS, K8S_ROOT } from './lib/manifests';
import { formatProblems } from './lib/problem';
import { checkEnvironment } from './rules/registry';

const isAck = (object: { apiVersion: string }): boolean => ACK_GROUPS.test(`${object.apiVersion}/`);

describe('the ACK component (components/aws-ack)', () => {
  it.each(ENVIRONMENTS)(
    'should hold what rendering %s from its sources gives (npx nx run k8s:render-aws)',
    (env) => {
      const committed = readFileSync(path.join(componentDirectory(env), GENERATED_FILE), 'utf8');

      expect(committed).toBe(renderComponentFile(env));
    },
  );

  describe.each(ENVIRONMENTS)('%s', (env) => {
    it.each([true, false])(
      'should build and pass every rule with the component on: %s',
      async (on) => {
        const app = buildWithAwsComponent(env, on);

        expect(app.some(isAck)).toBe(on);
        expect(
          formatProblems(
            await checkEnvironment({ name: env, app, migrate: buildEnvironment(env).migrate }),
          ),
        ).toBe('');
      },
    );
  });

  it('should be on in the example prod overlay only', () => {
    const enabled = ENVIRONMENTS.filter((env) =>
      ((overlayKustomization(env).components as string[] | undefined) ?? []).includes(
        `../../components/aws-ack/${env}`,
      ),
    );

    expect(enabled).toEqual(['prod']);
  });

  it('should refuse queue settings it cannot render', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'queue-settings-')), 'settings.json');
    writeFileSync(
      file,
      JSON.stringify({ ...queueSettings(), maxReceiveCount: '10', encryption: 'kms' }),
    );

    expect(() => queueSettings(file)).toThrow(
      /maxReceiveCount must be a whole number of receives; encryption: only "sqs-managed"/,
    );
  });

  it('should keep every accepted order 14 days and alert long before that', () => {
    const settings = queueSettings();
    const alerts = parse(
      readFileSync(path.join(K8S_ROOT, 'components', 'monitoring', 'alerts.yaml'), 'utf8'),
    );
    const rule = alerts.spec.groups
      .flatMap((group: { rules: Array<{ alert?: string; expr: string }> }) => group.rules)
      .find((item: { alert?: string }) => item.alert === 'OrdersQueueOldestMessageTooOld');

    expect(settings.messageRetentionSeconds).toBe(FOURTEEN_DAYS_SECONDS);
    expect(settings.deadLetterRetentionSeconds).toBeGreaterThanOrEqual(
      settings.messageRetentionSeconds,
    );
    expect(rule?.expr.trim()).toMatch(new RegExp(`> ${settings.oldestMessageAlertSeconds}$`));
    expect(settings.oldestMessageAlertSeconds).toBeLessThan(settings.messageRetentionSeconds / 24);
  });
});
