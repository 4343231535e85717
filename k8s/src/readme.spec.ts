import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildEnvironment, ENVIRONMENTS, K8S_ROOT } from './lib/manifests';
import { MANUAL_SECRETS } from './rules/identity';
import { MINIMUM_KEDA_VERSION } from './lib/schema';
import { ACK_CONTROLLER_VERSIONS } from './lib/ack-shapes';
import { queueSettings } from './aws/queue-settings';

// The deploy guide is part of the deployment: it must name what the manifests expect.
describe('k8s/README.md', () => {
  const readme = readFileSync(path.join(K8S_ROOT, 'README.md'), 'utf8');

  it('should require the KEDA version the ScaledObject needs', () => {
    expect(readme).toContain(`KEDA >= ${MINIMUM_KEDA_VERSION}`);
  });

  it.each(Object.entries(MANUAL_SECRETS))(
    'should tell operators how to create Secret %s',
    (secret, keys) => {
      for (const key of keys) {
        expect(readme).toMatch(
          new RegExp(`create secret generic ${secret} --from-literal=${key}=`),
        );
      }
    },
  );

  it.each(ENVIRONMENTS)('should list the IRSA subjects of the %s ServiceAccounts', (name) => {
    const environment = buildEnvironment(name);
    const namespace = environment.app.find((object) => object.kind === 'Namespace')?.metadata.name;
    const accounts = environment.app.filter(
      (object) =>
        object.kind === 'ServiceAccount' &&
        object.metadata.annotations?.['eks.amazonaws.com/role-arn'],
    );

    expect(accounts.length).toBeGreaterThan(0);
    for (const account of accounts) {
      expect(readme).toContain(`system:serviceaccount:${namespace}:${account.metadata.name}`);
    }
  });

  it.each(ENVIRONMENTS)(
    'should show the inspect command the %s alerts carry and the Job template it names',
    (name) => {
      const environment = buildEnvironment(name);
      const sidecarConfig = environment.app.find(
        (object) =>
          object.kind === 'ConfigMap' && /^(dev-)?dlq-sidecar-config-/.test(object.metadata.name),
      );
      const template = environment.app.find((object) => object.kind === 'CronJob');
      const prefix = name === 'dev' ? 'dev-' : '';

      expect(readme).toContain(`${sidecarConfig?.data.INSPECT_HINT} --reason INVALID_ENVELOPE`);
      expect(template?.metadata.name).toBe(`${prefix}dlq-redrive`);
      expect(readme).toContain('--from=cronjob/${PREFIX}dlq-redrive');
      expect(readme).toContain('docs/dlq-sidecar.md');
    },
  );

  it('should create the queues by hand with the numbers the ACK component uses', () => {
    const settings = queueSettings();
    const processorEnv = readFileSync(
      path.join(K8S_ROOT, 'base', 'config', 'processor.env'),
      'utf8',
    );
    const visibility = /^VISIBILITY_TIMEOUT_SECONDS=(\d+)$/m.exec(processorEnv)?.[1];
    const byHand = readme.slice(readme.indexOf('## 1. Queues'), readme.indexOf('## 2. IAM roles'));

    expect(visibility).toBeDefined();
    expect(byHand).toContain(`VisibilityTimeout: "${visibility}"`);
    expect(byHand).toContain(
      `ReceiveMessageWaitTimeSeconds: "${settings.receiveMessageWaitTimeSeconds}"`,
    );
    expect(byHand.match(/MessageRetentionPeriod: "(\d+)"/g)).toEqual([
      `MessageRetentionPeriod: "${settings.deadLetterRetentionSeconds}"`,
      `MessageRetentionPeriod: "${settings.messageRetentionSeconds}"`,
    ]);
    expect(byHand).toContain(`maxReceiveCount: ${settings.maxReceiveCount}}`);
    expect(byHand).toContain(`after ${settings.maxReceiveCount} receives`);
    expect(byHand).toContain('aws:SecureTransport');
  });

  it('should install the ACK controllers whose CRDs the shapes were read from', () => {
    const { sqs, iam, eks } = ACK_CONTROLLER_VERSIONS;

    expect(readme).toContain(`for CONTROLLER in sqs:${sqs} iam:${iam} eks:${eks}; do`);
    expect(readme).toContain('npx nx run k8s:render-aws');
    expect(readme).toMatch(
      /kubectl apply -k k8s\/overlays\/prod\/migrate\nkubectl apply -k k8s\/overlays\/prod\n/,
    );
  });

  it('should show the apply order and the simulator', () => {
    expect(readme).toMatch(
      /kubectl apply -k k8s\/overlays\/\$ENV\/migrate[\s\S]*kubectl apply -k k8s\/overlays\/\$ENV\n/,
    );
    expect(readme).toContain('npm run scale:sim -- --overlay prod --profile spike');
  });
});
