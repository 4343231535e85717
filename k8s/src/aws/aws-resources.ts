import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { effectiveConfig } from '../lib/app-contract';
import { K8S_ROOT, K8sObject } from '../lib/manifests';
import { containerApp, resolveEnv, workloads } from '../lib/workloads';
import { QueueSettings } from './queue-settings';

// The ACK objects of one environment, rendered from what the overlay already states (queue URLs,
// region, namespace, ServiceAccounts and their role ARNs and documents), the shared queue settings,
// the processor's config and the k8s/iam documents. k8s/components/aws-ack/<env>/aws-resources.yaml
// is this function's output; aws.spec.ts fails when the file and a fresh rendering differ.

/** Per environment, what the overlay cannot know: the EKS cluster and how KEDA authenticates. */
export interface ClusterSettings {
  clusterName: string;
  /** IRSA only: the cluster's OIDC issuer without https:// */
  oidcProvider: string;
  /** The KEDA operator's own role (once per cluster, created by hand: k8s/README.md). */
  kedaOperatorRole: string;
}

export const ACK_GROUPS = /\.?services\.k8s\.aws\//;
export const REGION_ANNOTATION = 'services.k8s.aws/region';
export const DELETION_POLICY_ANNOTATION = 'services.k8s.aws/deletion-policy';
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
export const POD_IDENTITY_ROLE_ANNOTATION = 'order-pipeline.io/pod-identity-role-arn';
export const IAM_POLICIES_ANNOTATION = 'order-pipeline.io/iam-policies';

export interface QueueAddress {
  url: string;
  region: string;
  account: string;
  name: string;
  arn: string;
}

export function parseQueueUrl(url: string): QueueAddress {
  const match = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([\w-]{1,80})$/.exec(url);
  if (!match) {
    throw new Error(
      `${url} is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)`,
    );
  }
  const [, region, account, name] = match;
  return { url, region, account, name, arn: `arn:aws:sqs:${region}:${account}:${name}` };
}

/** A k8s/iam document with its ${VARIABLES} filled in; a variable left unset is an error. */
export function renderIamDocument(file: string, variables: Record<string, string>): string {
  const text = readFileSync(path.join(K8S_ROOT, 'iam', file), 'utf8').replace(
    /\$\{(\w+)\}/g,
    (placeholder, name: string) => {
      if (variables[name] === undefined) {
        throw new Error(`${file}: no value for ${placeholder}`);
      }
      return variables[name];
    },
  );
  return JSON.stringify(JSON.parse(text), null, 2);
}

/** What the rendering reads from one built overlay (ACK objects, if any, are ignored). */
export interface OverlayFacts {
  namespace: string;
  orders: QueueAddress;
  deadLetters: QueueAddress;
  /** orders-<ENV>: the IAM documents' ${ENV}. */
  env: string;
  processorConfig: Record<string, unknown>;
  serviceAccounts: K8sObject[];
  kedaScalerRoleArn: string;
}

export function overlayFacts(objects: K8sObject[]): OverlayFacts {
  const own = objects.filter((object) => !ACK_GROUPS.test(`${object.apiVersion}/`));
  const namespace = own.find((object) => object.kind === 'Namespace')?.metadata.name;
  const processor = workloads(own)
    .flatMap((workload) => workload.longRunning)
    .find((container) => containerApp(container) === 'processor');
  if (!namespace || !processor) {
    throw new Error('the overlay has no Namespace or no processor container');
  }
  const env = resolveEnv(processor, own).values;
  const orders = parseQueueUrl(env.ORDERS_QUEUE_URL);
  const deadLetters = parseQueueUrl(env.ORDERS_DLQ_URL);
  const envName = /^orders-([a-z0-9-]+)$/.exec(orders.name)?.[1];
  if (!envName || deadLetters.name !== `${orders.name}-dlq`) {
    throw new Error(
      `queues must be named orders-<env> and orders-<env>-dlq (the IAM documents say so): ${orders.name}, ${deadLetters.name}`,
    );
  }
  const trigger = own.find((object) => object.kind === 'TriggerAuthentication');
  return {
    namespace,
    orders,
    deadLetters,
    env: envName,
    processorConfig: effectiveConfig('processor', env),
    serviceAccounts: own.filter(
      (object) =>
        object.kind === 'ServiceAccount' &&
        (object.metadata.annotations?.[IRSA_ROLE_ANNOTATION] ??
          object.metadata.annotations?.[POD_IDENTITY_ROLE_ANNOTATION]),
    ),
    kedaScalerRoleArn: trigger?.spec?.podIdentity?.roleArn,
  };
}

const roleName = (arn: string): string => arn.replace(/^arn:aws:iam::\d{12}:role\//, '');
const policyName = (env: string, file: string): string =>
  `orders-${env}-${file.replace(/-policy\.json$/, '')}`;

/** SQS refuses plain-HTTP requests to the queue, whoever makes them. */
export function tlsOnlyQueuePolicy(queueArn: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: queueArn,
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
    null,
    2,
  );
}

/**
 * @param unprefixed the overlay's namePrefix (dev-): kustomize adds it to these objects' names again,
 * so they are written without it; the ServiceAccount names inside specs keep it (kustomize leaves those alone).
 */
export function renderAwsResources(
  objects: K8sObject[],
  queues: QueueSettings,
  cluster: ClusterSettings,
  namePrefix = '',
): K8sObject[] {
  const facts = overlayFacts(objects);
  const { orders, deadLetters, namespace, env } = facts;
  const account = orders.account;
  const unprefixed = (name: string): string =>
    name.startsWith(namePrefix) ? name.slice(namePrefix.length) : name;
  const metadata = (name: string, extra: Record<string, string> = {}) => ({
    name,
    namespace,
    // Deleting the overlay must never delete queues that hold accepted orders, nor the roles.
    annotations: {
      [REGION_ANNOTATION]: orders.region,
      [DELETION_POLICY_ANNOTATION]: 'retain',
      ...extra,
    },
  });
  const encryption = { sqsManagedSSEEnabled: 'true' };

  const queueObjects: K8sObject[] = [
    {
      apiVersion: 'sqs.services.k8s.aws/v1alpha1',
      kind: 'Queue',
      metadata: metadata('orders-dlq'),
      spec: {
        queueName: deadLetters.name,
        messageRetentionPeriod: String(queues.deadLetterRetentionSeconds),
        ...encryption,
        redriveAllowPolicy: JSON.stringify({
          redrivePermission: 'byQueue',
          sourceQueueArns: [orders.arn],
        }),
        policy: tlsOnlyQueuePolicy(deadLetters.arn),
      },
    },
    {
      apiVersion: 'sqs.services.k8s.aws/v1alpha1',
      kind: 'Queue',
      metadata: metadata('orders'),
      spec: {
        queueName: orders.name,
        visibilityTimeout: String(facts.processorConfig.VISIBILITY_TIMEOUT_SECONDS),
        messageRetentionPeriod: String(queues.messageRetentionSeconds),
        receiveMessageWaitTimeSeconds: String(queues.receiveMessageWaitTimeSeconds),
        ...encryption,
        redrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetters.arn,
          maxReceiveCount: queues.maxReceiveCount,
        }),
        policy: tlsOnlyQueuePolicy(orders.arn),
      },
    },
  ];

  const variables = {
    AWS_REGION: orders.region,
    AWS_ACCOUNT_ID: account,
    ENV: env,
    NAMESPACE: namespace,
    OIDC_PROVIDER: cluster.oidcProvider,
    KEDA_OPERATOR_ROLE: cluster.kedaOperatorRole,
  };
  const roles: Array<{
    name: string;
    roleArn: string;
    documents: string[];
    trust: string;
    serviceAccount?: string;
  }> = facts.serviceAccounts.map((account) => {
    const annotations = account.metadata.annotations ?? {};
    const podIdentity = annotations[POD_IDENTITY_ROLE_ANNOTATION];
    return {
      name: unprefixed(account.metadata.name),
      roleArn: podIdentity ?? annotations[IRSA_ROLE_ANNOTATION],
      documents: (annotations[IAM_POLICIES_ANNOTATION] ?? '').split(/[\s,]+/).filter(Boolean),
      trust: renderIamDocument(
        podIdentity ? 'pod-identity-trust-policy.json' : 'irsa-trust-policy.json',
        { ...variables, SERVICE_ACCOUNT: account.metadata.name },
      ),
      serviceAccount: podIdentity ? account.metadata.name : undefined,
    };
  });
  if (facts.kedaScalerRoleArn) {
    roles.push({
      name: 'keda-scaler',
      roleArn: facts.kedaScalerRoleArn,
      documents: ['keda-scaler-policy.json'],
      trust: renderIamDocument('keda-scaler-trust-policy.json', variables),
    });
  }

  const documents = [...new Set(roles.flatMap((role) => role.documents))].sort();
  const policyObjects: K8sObject[] = documents.map((file) => ({
    apiVersion: 'iam.services.k8s.aws/v1alpha1',
    kind: 'Policy',
    metadata: metadata(file.replace(/\.json$/, '')),
    spec: {
      name: policyName(env, file),
      description: `k8s/iam/${file} for ${namespace}`,
      policyDocument: renderIamDocument(file, variables),
    },
  }));
  const roleObjects: K8sObject[] = roles.map((role) => ({
    apiVersion: 'iam.services.k8s.aws/v1alpha1',
    kind: 'Role',
    metadata: metadata(role.name),
    spec: {
      name: roleName(role.roleArn),
      assumeRolePolicyDocument: role.trust,
      policies: role.documents.map(
        (file) => `arn:aws:iam::${account}:policy/${policyName(env, file)}`,
      ),
    },
  }));
  const associations: K8sObject[] = roles
    .filter((role) => role.serviceAccount)
    .map((role) => ({
      apiVersion: 'eks.services.k8s.aws/v1alpha1',
      kind: 'PodIdentityAssociation',
      metadata: metadata(role.name),
      spec: {
        clusterName: cluster.clusterName,
        namespace,
        serviceAccount: role.serviceAccount,
        roleARN: role.roleArn,
      },
    }));
  return [...queueObjects, ...policyObjects, ...roleObjects, ...associations];
}
