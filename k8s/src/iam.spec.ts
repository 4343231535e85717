import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { AppName, sqsActionsOf } from './lib/app-contract';
import { POLICY_DOCUMENTS } from './rules/identity';
import { buildEnvironment, ENVIRONMENTS, K8S_ROOT, K8sObject } from './lib/manifests';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}

const IAM_DIRECTORY = path.join(K8S_ROOT, 'iam');
const documents = readdirSync(IAM_DIRECTORY).filter((file) => file.endsWith('.json'));

function read(
  file: string,
  variables: Record<string, string> = {},
): { Version: string; Statement: Statement[] } {
  const text = readFileSync(path.join(IAM_DIRECTORY, file), 'utf8').replace(
    /\$\{(\w+)\}/g,
    (placeholder, name: string) => variables[name] ?? placeholder,
  );
  return JSON.parse(text);
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** action -> resources it is granted on */
function grants(file: string, variables: Record<string, string> = {}): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const statement of read(file, variables).Statement) {
    for (const action of list(statement.Action)) {
      result[action] = [...(result[action] ?? []), ...list(statement.Resource)].sort();
    }
  }
  return result;
}

const queueArn = (url: string): string => {
  const [, region, account, name] =
    /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/(.+)$/.exec(url) ?? [];
  return `arn:aws:sqs:${region}:${account}:${name}`;
};

describe('IAM policy documents', () => {
  it.each(documents)(
    '%s should be a valid allow-only document without wildcard actions',
    (file) => {
      const document = read(file);

      expect(document.Version).toBe('2012-10-17');
      for (const statement of document.Statement) {
        expect(statement.Effect).toBe('Allow');
        for (const action of list(statement.Action)) {
          expect(action).not.toMatch(/\*/);
        }
        // CloudWatch GetMetricData has no resource-level permissions; everything else names its resource.
        if (list(statement.Resource).includes('*')) {
          expect(list(statement.Action)).toEqual(['cloudwatch:GetMetricData']);
        }
      }
    },
  );

  it('should grant each role exactly the calls its app makes', () => {
    const orders = 'arn:aws:sqs:${AWS_REGION}:${AWS_ACCOUNT_ID}:orders-${ENV}';
    const dlq = `${orders}-dlq`;

    expect(grants('gateway-policy.json')).toEqual({
      'sqs:SendMessage': [orders],
      'sqs:GetQueueAttributes': [orders],
    });
    expect(grants('processor-policy.json')).toEqual({
      'sqs:ReceiveMessage': [orders],
      'sqs:DeleteMessage': [orders],
      'sqs:ChangeMessageVisibility': [orders],
      'sqs:GetQueueAttributes': [orders],
      'sqs:SendMessage': [dlq],
    });
    // The intake drains the DLQ (receive, delete once recorded, release on failure); redrives send records.
    expect(grants('dlq-sidecar-policy.json')).toEqual({
      'sqs:ReceiveMessage': [dlq],
      'sqs:DeleteMessage': [dlq],
      'sqs:ChangeMessageVisibility': [dlq],
      'sqs:SendMessage': [orders],
    });
    expect(grants('dlq-operator-policy.json')).toEqual({ 'sqs:SendMessage': [orders] });
    expect(grants('keda-scaler-policy.json')).toEqual({
      'sqs:GetQueueAttributes': [orders],
      'cloudwatch:GetMetricData': ['*'],
    });
  });

  it.each(Object.entries(POLICY_DOCUMENTS))(
    'should grant %s every SQS action its code calls, and nothing it does not call',
    async (app, file) => {
      const used = [...(await sqsActionsOf(app as AppName))].sort();
      const granted = Object.keys(grants(file)).sort();

      expect(used.length).toBeGreaterThan(0);
      expect(granted).toEqual(used);
    },
  );

  it('should need nothing beyond the sidecar policy when the admin API is on, and the operator Jobs only the send', async () => {
    const withAdminApi = await sqsActionsOf('dlq-sidecar', { adminApi: true });
    const sidecar = Object.keys(grants('dlq-sidecar-policy.json'));
    const operator = Object.keys(grants('dlq-operator-policy.json'));

    // Failed orders live in PostgreSQL: redrives send records, nobody but the intake reads the DLQ.
    expect([...withAdminApi].filter((action) => !sidecar.includes(action))).toEqual([]);
    expect(operator).toEqual(['sqs:SendMessage']);
  });

  it('should trust only EKS Pod Identity sessions of one ServiceAccount in the Pod Identity document', () => {
    const [statement] = read('pod-identity-trust-policy.json', {
      AWS_ACCOUNT_ID: '111122223333',
      NAMESPACE: 'orders-prod',
      SERVICE_ACCOUNT: 'gateway',
    }).Statement;

    expect(statement.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    expect(list(statement.Action).sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(statement.Condition).toEqual({
      StringEquals: {
        'aws:SourceAccount': '111122223333',
        'aws:RequestTag/kubernetes-namespace': 'orders-prod',
        'aws:RequestTag/kubernetes-service-account': 'gateway',
      },
    });
  });

  it.each(ENVIRONMENTS)('should name the queues and roles the %s overlay uses', (name) => {
    const environment = buildEnvironment(name);
    const shared = environment.app.find(
      (object) => object.kind === 'ConfigMap' && object.metadata.name.includes('orders-shared'),
    ) as K8sObject;
    const account = /amazonaws\.com\/(\d{12})\//.exec(shared.data.ORDERS_QUEUE_URL)?.[1] ?? '';
    const variables = {
      AWS_REGION: shared.data.AWS_REGION,
      AWS_ACCOUNT_ID: account,
      ENV: name,
    };
    const roleOf = (kind: string, suffix: string): string | undefined => {
      const object = environment.app.find(
        (item) => item.kind === kind && item.metadata.name.endsWith(suffix),
      );
      return kind === 'ServiceAccount'
        ? object?.metadata.annotations?.['eks.amazonaws.com/role-arn']
        : object?.spec.podIdentity.roleArn;
    };

    expect(grants('gateway-policy.json', variables)['sqs:SendMessage']).toEqual([
      queueArn(shared.data.ORDERS_QUEUE_URL),
    ]);
    expect(grants('processor-policy.json', variables)['sqs:SendMessage']).toEqual([
      queueArn(shared.data.ORDERS_DLQ_URL),
    ]);
    expect(roleOf('ServiceAccount', 'gateway')).toBe(
      `arn:aws:iam::${account}:role/orders-${name}-gateway`,
    );
    expect(roleOf('ServiceAccount', 'processor')).toBe(
      `arn:aws:iam::${account}:role/orders-${name}-processor`,
    );
    expect(roleOf('ServiceAccount', 'dlq-operator')).toBe(
      `arn:aws:iam::${account}:role/orders-${name}-dlq-operator`,
    );
    expect(grants('dlq-operator-policy.json', variables)['sqs:SendMessage']).toEqual([
      queueArn(shared.data.ORDERS_QUEUE_URL),
    ]);
    expect(roleOf('TriggerAuthentication', 'keda-aws')).toBe(
      `arn:aws:iam::${account}:role/orders-${name}-keda-scaler`,
    );
    expect(read('keda-operator-policy.json', variables).Statement[0].Resource).toBe(
      `arn:aws:iam::${account}:role/orders-*-keda-scaler`,
    );
  });
});
