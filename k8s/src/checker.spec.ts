import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ACK_GROUPS } from './aws/aws-resources';
import { renderComponentObjects } from './aws/component';
import { Formula } from './lib/formula';
import {
  buildEnvironment,
  Environment,
  K8sObject,
  kustomize,
  parseManifests,
} from './lib/manifests';
import { checkEnvironment } from './rules/registry';
import { validateObject } from './lib/schema';

// The checker must fail on broken manifests: each case breaks one clean overlay in one way.

function clone(environment: Environment): Environment {
  return structuredClone(environment);
}

function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find(
    (object) => object.kind === kind && (name === undefined || object.metadata.name === name),
  );
  if (!found) {
    throw new Error(`test setup: no ${kind} ${name ?? ''}`);
  }
  return found;
}

async function rulesBroken(environment: Environment): Promise<string[]> {
  return [...new Set((await checkEnvironment(environment)).map((problem) => problem.rule))].sort();
}

const processorPod = (environment: Environment, name = 'processor'): K8sObject =>
  find(environment.app, 'Deployment', name).spec.template.spec;
const configMap = (environment: Environment, prefix: string): K8sObject =>
  environment.app.find(
    (object) => object.kind === 'ConfigMap' && object.metadata.name.startsWith(prefix),
  ) as K8sObject;
const scaledObject = (environment: Environment): K8sObject => find(environment.app, 'ScaledObject');
const queue = (environment: Environment, name: string): K8sObject =>
  find(environment.app, 'Queue', name);
const redriveTemplate = (environment: Environment, name = 'dlq-redrive') =>
  find(environment.app, 'CronJob', name);
const redrivePod = (environment: Environment, name = 'dlq-redrive'): K8sObject =>
  redriveTemplate(environment, name).spec.jobTemplate.spec.template.spec;

const CASES: Array<
  [string, 'dev' | 'staging' | 'prod', (environment: Environment) => void, string, RegExp?]
> = [
  [
    'the ScaledObject watches another queue',
    'prod',
    (env) =>
      (scaledObject(env).spec.triggers[0].metadata.queueURL =
        'https://sqs.eu-west-1.amazonaws.com/111122223333/other'),
    'keda',
    /processor consumes ORDERS_QUEUE_URL/,
  ],
  [
    'the ScaledObject targets the unprefixed Deployment',
    'dev',
    (env) => (scaledObject(env).spec.scaleTargetRef.name = 'processor'),
    'autoscaling',
  ],
  [
    'the formula has no database hold-back',
    'prod',
    (env) =>
      (scaledObject(env).spec.advanced.scalingModifiers.formula =
        'queue > 0 && age / 180 * 40 > queue ? age / 180 * 40 : queue + paused * 0 + pods * 0'),
    'keda',
    /database is down .* must not grow/,
  ],
  [
    'the formula and queueLength disagree',
    'prod',
    (env) => (scaledObject(env).spec.triggers[0].metadata.queueLength = '30'),
    'keda',
    /must equal queueLength/,
  ],
  [
    'queueLength exceeds what a busy replica holds',
    'staging',
    (env) => {
      const spec = scaledObject(env).spec;
      spec.triggers[0].metadata.queueLength = '100';
      spec.advanced.scalingModifiers.target = '100';
      spec.advanced.scalingModifiers.formula =
        'paused > 0 ? pods * 100 : (queue > 0 && age / 180 * 100 > queue ? age / 180 * 100 : queue)';
    },
    'keda',
    /exceeds POLLERS x SQS_BATCH_SIZE/,
  ],
  [
    'the age trigger is missing',
    'prod',
    (env) => scaledObject(env).spec.triggers.splice(1, 1),
    'keda',
    /ApproximateAgeOfOldestMessage/,
  ],
  [
    'the TriggerAuthentication carries static keys',
    'prod',
    (env) =>
      (find(env.app, 'TriggerAuthentication').spec.secretTargetRef = [
        { parameter: 'awsAccessKeyID', name: 'aws', key: 'id' },
      ]),
    'keda',
    /no static keys/,
  ],
  [
    'the grace period is shorter than visibility + drain',
    'prod',
    (env) => (processorPod(env).terminationGracePeriodSeconds = 60),
    'grace-period',
  ],
  [
    'the grace period is shorter than processor and sidecar shutdown together',
    'prod',
    (env) => (configMap(env, 'dlq-sidecar-config').data.ALERT_HTTP_TIMEOUT_MS = '60000'),
    'grace-period',
    /own shutdown deadlines/,
  ],
  [
    "the processor's MAX_REPLICAS is below KEDA's bound",
    'prod',
    (env) => (configMap(env, 'processor-config').data.MAX_REPLICAS = '5'),
    'keda',
    /MAX_REPLICAS 5 is below maxReplicaCount 20/,
  ],
  [
    'maxReplicaCount exceeds the connection budget',
    'prod',
    (env) => (scaledObject(env).spec.maxReplicaCount = 60),
    'db-budget',
  ],
  [
    "the sidecar's pool, counted in every processor pod, overflows the budget",
    'prod',
    (env) => (configMap(env, 'dlq-sidecar-config').data.DB_POOL_SIZE = '4'),
    'db-budget',
    /processor\/dlq-sidecar 4 x 25/,
  ],
  [
    'ORDERS_DLQ_URL is missing',
    'prod',
    (env) => delete configMap(env, 'orders-shared').data.ORDERS_DLQ_URL,
    'config',
  ],
  [
    'a dlq-sidecar key is misspelt',
    'prod',
    (env) => (configMap(env, 'dlq-sidecar-config').data.ALERT_SEVERTY = 'critical'),
    'config',
    /^dlq-sidecar: ALERT_SEVERTY is not read by dlq-sidecar's config class/,
  ],
  [
    'the dlq-sidecar has no DATABASE_URL',
    'staging',
    (env) =>
      (processorPod(env).initContainers[0].env = processorPod(env).initContainers[0].env.filter(
        (entry: { name: string }) => entry.name !== 'DATABASE_URL',
      )),
    'config',
    /^dlq-sidecar: DATABASE_URL is required by dlq-sidecar and not set/,
  ],
  [
    'the dlq-sidecar would refuse its config',
    'dev',
    (env) => (configMap(env, 'dev-dlq-sidecar-config').data.ALERT_SEVERITY = 'page'),
    'config',
    /^dlq-sidecar: the app would refuse to start: .*ALERT_SEVERITY/,
  ],
  [
    'the heartbeat is above half the visibility timeout',
    'prod',
    (env) => (configMap(env, 'processor-config').data.HEARTBEAT_INTERVAL_SECONDS = '40'),
    'config',
  ],
  [
    'SQS_ENDPOINT points at an emulator',
    'prod',
    (env) => (configMap(env, 'orders-shared').data.SQS_ENDPOINT = 'http://localhost:4566'),
    'config',
  ],
  [
    'the queue URL is in another region',
    'prod',
    (env) =>
      (configMap(env, 'orders-shared').data.ORDERS_DLQ_URL =
        'https://sqs.us-east-1.amazonaws.com/111122223333/orders-prod-dlq'),
    'config',
  ],
  [
    'a probe targets a path the app does not serve',
    'prod',
    (env) => (processorPod(env).containers[0].readinessProbe.httpGet.path = '/ready'),
    'probes',
  ],
  [
    'a probe targets the wrong port',
    'prod',
    (env) => (processorPod(env).initContainers[0].livenessProbe.httpGet.port = 3001),
    'probes',
  ],
  [
    'the readiness timeout is below the SQS timeout',
    'prod',
    (env) =>
      (find(
        env.app,
        'Deployment',
        'gateway',
      ).spec.template.spec.containers[0].readinessProbe.timeoutSeconds = 2),
    'probes',
  ],
  [
    'a container may escalate privileges',
    'prod',
    (env) => (processorPod(env).initContainers[0].securityContext.allowPrivilegeEscalation = true),
    'security-context',
  ],
  [
    'the PDB selects nothing',
    'prod',
    (env) =>
      (find(env.app, 'PodDisruptionBudget', 'processor').spec.selector.matchLabels.app =
        'procesor'),
    'pdb',
  ],
  [
    'the PDB blocks every eviction',
    'dev',
    (env) =>
      (find(env.app, 'PodDisruptionBudget', 'dev-gateway').spec = {
        minAvailable: 1,
        selector: { matchLabels: { app: 'gateway' } },
      }),
    'pdb',
  ],
  [
    'a Service selector matches no pod',
    'prod',
    (env) => (find(env.app, 'Service', 'gateway').spec.selector = { app: 'gate' }),
    'service-selector',
  ],
  [
    'the workload ServiceAccount does not exist',
    'prod',
    (env) => (processorPod(env).serviceAccountName = 'processor-sa'),
    'service-account',
  ],
  [
    'the dlq-sidecar runs as a plain container',
    'prod',
    (env) => processorPod(env).containers.push(processorPod(env).initContainers.pop()),
    'native-sidecar',
  ],
  [
    'the sidecar and the processor share a port',
    'prod',
    (env) => (processorPod(env).initContainers[0].ports[0].containerPort = 3001),
    'ports',
  ],
  [
    'the migration runs another image than the processor',
    'prod',
    (env) =>
      (find(env.migrate, 'Job').spec.template.spec.containers[0].image =
        'ghcr.io/order-pipeline/processor:0.0.9'),
    'migration',
  ],
  [
    'the migration overlay declares another Namespace',
    'dev',
    (env) =>
      ((find(env.migrate, 'Namespace').metadata.labels ??= {})[
        'pod-security.kubernetes.io/enforce'
      ] = 'baseline'),
    'migration',
  ],
  [
    'the Ingress exposes /',
    'prod',
    (env) => (find(env.app, 'Ingress').spec.rules[0].http.paths[0].path = '/'),
    'ingress',
  ],
  [
    'an alert reads a metric no app exports',
    'prod',
    (env) =>
      (find(env.app, 'PrometheusRule').spec.groups[0].rules[0].expr =
        'max(processor_is_paused) == 1'),
    'monitoring',
  ],
  [
    'a dashboard panel reads a metric no app exports',
    'prod',
    (env) => {
      const dashboard = find(env.app, 'ConfigMap', 'order-pipeline-dashboard');
      const json = JSON.parse(dashboard.data['order-pipeline.json']);
      json.panels.find((panel: { targets?: unknown[] }) => panel.targets).targets[0].expr =
        'sum(rate(orders_intake_total[5m]))';
      dashboard.data['order-pipeline.json'] = JSON.stringify(json);
    },
    'monitoring',
  ],
  [
    'the PodMonitor scrapes a port the pod does not have',
    'prod',
    (env) => (find(env.app, 'PodMonitor').spec.podMetricsEndpoints[0].port = 'metrics'),
    'monitoring',
  ],
  [
    'a Secret is committed',
    'prod',
    (env) =>
      env.app.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'orders-db-writer' },
        stringData: { DATABASE_URL: 'postgres://x' },
      }),
    'placeholders',
  ],
  [
    'a base placeholder account is left',
    'staging',
    (env) =>
      ((find(env.app, 'ServiceAccount', 'gateway').metadata.annotations ??= {})[
        'eks.amazonaws.com/role-arn'
      ] = 'arn:aws:iam::000000000000:role/orders-gateway'),
    'placeholders',
  ],
  [
    'a role lives in another account',
    'prod',
    (env) =>
      ((find(env.app, 'ServiceAccount', 'gateway').metadata.annotations ??= {})[
        'eks.amazonaws.com/role-arn'
      ] = 'arn:aws:iam::444455556666:role/orders-prod-gateway'),
    'accounts',
  ],
  [
    'no NetworkPolicy allows DNS',
    'prod',
    (env) => (env.app = env.app.filter((object) => object.metadata.name !== 'allow-dns')),
    'network-policies',
  ],
  [
    'the sidecar cannot reach Alertmanager',
    'prod',
    (env) => {
      const egress = find(env.app, 'NetworkPolicy', 'processor').spec.egress;
      egress.splice(
        egress.findIndex((rule: { ports: Array<{ port: number }> }) =>
          rule.ports.some((port) => port.port === 9093),
        ),
        1,
      );
    },
    'network-policies',
    /dlq-sidecar: ALERTMANAGER_URL alertmanager-operated.monitoring.svc:9093 needs egress to namespace monitoring on port 9093/,
  ],
  [
    'Alertmanager egress points at another namespace',
    'staging',
    (env) =>
      (find(
        env.app,
        'NetworkPolicy',
        'processor',
      ).spec.egress[2].to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'] =
        'observability'),
    'network-policies',
    /ALERTMANAGER_URL .* namespace monitoring/,
  ],
  [
    'the alert webhook cannot leave the cluster',
    'dev',
    (env) =>
      (find(env.app, 'NetworkPolicy', 'dev-processor').spec.egress[0].to[0].ipBlock = {
        cidr: '10.0.0.0/8',
      }),
    'network-policies',
    /ALERT_WEBHOOK_URL \(from a Secret.*\) needs egress to 0.0.0.0\/0 on port 443/,
  ],
  [
    'the processor reaches AWS over the internet without the escape hatch',
    'prod',
    (env) =>
      (find(env.app, 'NetworkPolicy', 'processor').spec.egress[0].to = [
        { ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } },
      ]),
    'network-policies',
    /egress to 443 reaches AWS's public endpoints \(52\.94\.0\.1\)/,
  ],
  [
    "prod's VPC endpoint CIDR is not applied to every policy",
    'prod',
    (env) =>
      (find(env.app, 'NetworkPolicy', 'gateway').spec.egress[0].to = [
        { ipBlock: { cidr: '10.0.0.0/8' } },
      ]),
    'network-policies',
    /egress to 443 names different peers/,
  ],
  [
    'the NetworkPolicies block the EKS Pod Identity agent',
    'prod',
    (env) =>
      (env.app = env.app.filter((object) => object.metadata.name !== 'allow-pod-identity-agent')),
    'network-policies',
    /cannot reach the EKS Pod Identity agent \(169\.254\.170\.23 port 80\)/,
  ],
  [
    'the Pod Identity agent is allowed on IPv4 only',
    'staging',
    (env) => find(env.app, 'NetworkPolicy', 'allow-pod-identity-agent').spec.egress[0].to.pop(),
    'network-policies',
    /cannot reach the EKS Pod Identity agent \(fd00:ec2::23 port 80\)/,
  ],
  [
    'egress opens the link-local range to the instance metadata service',
    'dev',
    (env) =>
      (find(env.app, 'NetworkPolicy', 'dev-allow-pod-identity-agent').spec.egress[0].to[0].ipBlock =
        { cidr: '169.254.0.0/16' }),
    'network-policies',
    /reaches the instance metadata service \(169\.254\.169\.254\)/,
  ],
  [
    'a ServiceAccount carries both an IRSA role and a Pod Identity role',
    'prod',
    (env) =>
      ((find(env.app, 'ServiceAccount', 'gateway').metadata.annotations ??= {})[
        'order-pipeline.io/pod-identity-role-arn'
      ] = 'arn:aws:iam::111122223333:role/orders-prod-gateway'),
    'service-account',
    /has both eks.amazonaws.com\/role-arn and order-pipeline.io\/pod-identity-role-arn/,
  ],
  [
    'no ExternalSecret produces a referenced Secret',
    'prod',
    (env) =>
      (env.app = env.app.filter(
        (object) =>
          !(object.kind === 'ExternalSecret' && object.metadata.name === 'gateway-api-keys'),
      )),
    'secrets',
  ],
  [
    'an image is untagged',
    'staging',
    (env) => (processorPod(env).containers[0].image = 'ghcr.io/order-pipeline/processor'),
    'image-tag',
  ],
  [
    'the sidecar memory limit leaves no room for an exec-ed CLI',
    'prod',
    (env) => (processorPod(env).initContainers[0].resources.limits.memory = '192Mi'),
    'memory',
    /dlq-sidecar: memory limit 192Mi cannot hold the sidecar .* set at least 295Mi/,
  ],
  [
    'the sidecar memory request is below its idle use',
    'staging',
    (env) => (processorPod(env).initContainers[0].resources.requests.memory = '96Mi'),
    'memory',
    /below what the sidecar uses at idle/,
  ],
  [
    'the inspect hint names the Deployment without the dev- prefix',
    'dev',
    (env) =>
      (configMap(env, 'dev-dlq-sidecar-config').data.INSPECT_HINT =
        'kubectl -n orders-dev exec deploy/processor -c dlq-sidecar -- node cli.js list'),
    'inspect-hint',
    /operators in this cluster run "kubectl -n orders-dev exec deploy\/dev-processor -c dlq-sidecar -- node cli.js list"/,
  ],
  [
    'the inspect hint is left at the local default',
    'prod',
    (env) => delete configMap(env, 'dlq-sidecar-config').data.INSPECT_HINT,
    'inspect-hint',
    /INSPECT_HINT is "npm run dlq -- list"/,
  ],
  [
    'the DLQ operator template is scheduled',
    'prod',
    (env) => (redriveTemplate(env).spec.suspend = false),
    'one-off-jobs',
    /set suspend: true/,
  ],
  [
    "the DLQ operator template's default run redrives",
    'staging',
    (env) => (redrivePod(env).containers[0].args = ['redrive', '--all']),
    'one-off-jobs',
    /runs "redrive --all", which changes the DLQ/,
  ],
  [
    'the DLQ operator template purges for real',
    'dev',
    (env) =>
      (redrivePod(env, 'dev-dlq-redrive').containers[0].args = ['purge', '--all', '--confirm']),
    'one-off-jobs',
    /which changes the DLQ/,
  ],
  [
    'the DLQ CLI runs another release than the sidecar',
    'prod',
    (env) => (redrivePod(env).containers[0].image = 'ghcr.io/order-pipeline/dlq-sidecar:0.0.9'),
    'one-off-jobs',
    /dlq-cli: runs ghcr.io\/order-pipeline\/dlq-sidecar:0.0.9 but the dlq-sidecar runs .*:0.1.0/,
  ],
  [
    'the DLQ operator Job has no deadline',
    'prod',
    (env) => delete redriveTemplate(env).spec.jobTemplate.spec.activeDeadlineSeconds,
    'one-off-jobs',
  ],
  [
    'the DLQ operator Job may run as root',
    'prod',
    (env) => (redrivePod(env).securityContext.runAsNonRoot = false),
    'security-context',
    /^dlq-cli: needs runAsNonRoot/,
  ],
  [
    'the DLQ operator Job mounts the API token',
    'staging',
    (env) => (redrivePod(env).automountServiceAccountToken = true),
    'security-context',
  ],
  [
    'the dlq-operator ServiceAccount has no IAM role',
    'prod',
    (env) =>
      delete find(env.app, 'ServiceAccount', 'dlq-operator').metadata.annotations?.[
        'eks.amazonaws.com/role-arn'
      ],
    'service-account',
  ],
  [
    'the DLQ CLI has too little memory',
    'prod',
    (env) => (redrivePod(env).containers[0].resources.limits.memory = '128Mi'),
    'memory',
    /dlq-cli: memory limit 128Mi is below what the CLI needs/,
  ],
  [
    'the DLQ CLI config has an unknown key',
    'prod',
    (env) =>
      (redrivePod(env).containers[0].env = [
        ...redrivePod(env).containers[0].env,
        { name: 'DLQ_URL', value: 'x' },
      ]),
    'config',
    /^dlq-cli: DLQ_URL is not read by dlq-cli's config class/,
  ],
  [
    'the DLQ operator Job cannot reach PostgreSQL',
    'staging',
    (env) =>
      (find(env.app, 'NetworkPolicy', 'dlq-redrive').spec.egress = find(
        env.app,
        'NetworkPolicy',
        'dlq-redrive',
      ).spec.egress.slice(0, 1)),
    'network-policies',
    /uses DATABASE_URL but no egress to PostgreSQL/,
  ],
  [
    "prod's database CIDR is not applied to every policy",
    'prod',
    (env) =>
      (find(env.app, 'NetworkPolicy', 'dlq-redrive').spec.egress[1].to = [
        { ipBlock: { cidr: '10.0.0.0/8' } },
      ]),
    'network-policies',
    /egress to PostgreSQL \(5432\) names different peers/,
  ],
  [
    "the sidecar's admin API is enabled on its read-only role",
    'prod',
    (env) => (configMap(env, 'dlq-sidecar-config').data.ADMIN_API_KEY_SHA256 = 'a'.repeat(64)),
    'iam-policies',
    /Deployment\/processor: dlq-sidecar's admin API \(ADMIN_API_KEY_SHA256 is set.*\) needs dlq-operator-policy.json/,
  ],
  [
    "the sidecar's console is enabled on its read-only role",
    'prod',
    (env) => (configMap(env, 'dlq-sidecar-config').data.CONSOLE_SIGN_IN = 'oidc'),
    'iam-policies',
    /Deployment\/processor: dlq-sidecar's admin API \(CONSOLE_SIGN_IN is set.*\) needs dlq-operator-policy.json/,
  ],
  [
    'operator API keys are given to the sidecar on its read-only role',
    'prod',
    (env) =>
      (configMap(env, 'dlq-sidecar-config').data.OPERATOR_API_KEYS =
        `ops:operator:${'a'.repeat(64)}`),
    'iam-policies',
    /Deployment\/processor: dlq-sidecar's admin API \(OPERATOR_API_KEYS is set.*\) needs dlq-operator-policy.json/,
  ],
  [
    'a role carries a document its pods do not need',
    'staging',
    (env) =>
      ((find(env.app, 'ServiceAccount', 'gateway').metadata.annotations ??= {})[
        'order-pipeline.io/iam-policies'
      ] = 'gateway-policy.json processor-policy.json'),
    'iam-policies',
    /lists processor-policy.json, which no container of Deployment\/gateway needs/,
  ],
  [
    'the operator role lacks its document',
    'dev',
    (env) =>
      ((find(env.app, 'ServiceAccount', 'dev-dlq-operator').metadata.annotations ??= {})[
        'order-pipeline.io/iam-policies'
      ] = 'dlq-sidecar-policy.json'),
    'iam-policies',
    /dlq-cli \(dlq-cli\) needs dlq-operator-policy.json/,
  ],
  [
    'a limit is missing',
    'dev',
    (env) => delete processorPod(env, 'dev-processor').containers[0].resources.limits,
    'resources',
  ],
  [
    'a newer KEDA field has a wrong value',
    'prod',
    (env) => (scaledObject(env).spec.fallback.behavior = 'sometimes'),
    'schema',
  ],
  [
    'a field name is misspelt',
    'prod',
    (env) => (processorPod(env).containers[0].readinessProbe.httpGet.pth = '/health/ready'),
    'schema',
  ],
  [
    'the orders queue is not named after its namespace (the queue alerts rely on it)',
    'staging',
    (env) =>
      (configMap(env, 'orders-shared').data.ORDERS_QUEUE_URL =
        'https://sqs.eu-west-1.amazonaws.com/111122223333/orders-stage'),
    'monitoring',
    /ORDERS_QUEUE_URL names orders-stage in namespace orders-staging/,
  ],
  [
    'the orders queue keeps messages 4 days (the SQS default)',
    'prod',
    (env) => (queue(env, 'orders').spec.messageRetentionPeriod = '345600'),
    'aws-resources',
    /messageRetentionPeriod is 345600 s: it must be 14 days/,
  ],
  [
    'the DLQ keeps dead letters shorter than the orders queue keeps orders',
    'prod',
    (env) => (queue(env, 'orders-dlq').spec.messageRetentionPeriod = '604800'),
    'aws-resources',
    /below the orders queue's 1209600 s/,
  ],
  [
    "the queue's visibility timeout is below the processor's handler timeout",
    'prod',
    (env) => (queue(env, 'orders').spec.visibilityTimeout = '15'),
    'aws-resources',
    /visibilityTimeout 15 s is below the processor's HANDLER_TIMEOUT_MS 20000 \+ SQS_REQUEST_TIMEOUT_MS 3000/,
  ],
  [
    "the queue's visibility timeout is not the processor's",
    'prod',
    (env) => (queue(env, 'orders').spec.visibilityTimeout = '90'),
    'aws-resources',
    /visibilityTimeout 90 differs from the processor's VISIBILITY_TIMEOUT_SECONDS 60/,
  ],
  [
    "maxReceiveCount ends the processor's redelivery schedule early",
    'prod',
    (env) => {
      const orders = queue(env, 'orders');
      orders.spec.redrivePolicy = orders.spec.redrivePolicy.replace(
        '"maxReceiveCount":10',
        '"maxReceiveCount":5',
      );
    },
    'aws-resources',
    /maxReceiveCount 5 ends the processor's retry schedule early: .* needs 9 receives/,
  ],
  [
    'the queue accepts plain HTTP',
    'prod',
    (env) => (queue(env, 'orders-dlq').spec.policy = '{"Version":"2012-10-17","Statement":[]}'),
    'aws-resources',
    /deny sqs:\* when aws:SecureTransport is false/,
  ],
  [
    'a queue is not encrypted',
    'prod',
    (env) => delete queue(env, 'orders').spec.sqsManagedSSEEnabled,
    'aws-resources',
    /is not encrypted/,
  ],
  [
    'an ACK policy grants more than its k8s/iam document',
    'prod',
    (env) => {
      const policy = find(env.app, 'Policy', 'gateway-policy');
      const document = JSON.parse(policy.spec.policyDocument);
      document.Statement[0].Action.push('sqs:PurgeQueue');
      policy.spec.policyDocument = JSON.stringify(document);
    },
    'aws-resources',
    /policyDocument differs from k8s\/iam\/gateway-policy.json/,
  ],
  [
    "a role's trust names another ServiceAccount",
    'prod',
    (env) => {
      const role = find(env.app, 'Role', 'gateway');
      role.spec.assumeRolePolicyDocument = role.spec.assumeRolePolicyDocument.replace(
        'orders-prod:gateway',
        'orders-prod:processor',
      );
    },
    'aws-resources',
    /must be k8s\/iam\/irsa-trust-policy.json for orders-prod\/gateway/,
  ],
  [
    'the ScaledObject authenticates with a role the component does not declare',
    'prod',
    (env) =>
      (env.app = env.app.filter(
        (object) => !(object.kind === 'Role' && object.metadata.name === 'keda-scaler'),
      )),
    'aws-resources',
    /KEDA uses role orders-prod-keda-scaler, which the ACK component does not declare/,
  ],
  [
    'a Queue attribute is written as a number (the CRD has strings)',
    'prod',
    (env) => (queue(env, 'orders').spec.messageRetentionPeriod = 1209600),
    'schema',
    /spec.messageRetentionPeriod: must be a string/,
  ],
  [
    'a Queue field is misspelt',
    'prod',
    (env) => (queue(env, 'orders').spec.visibilityTimeoutSeconds = '60'),
    'schema',
    /spec.visibilityTimeoutSeconds: unknown field/,
  ],
  [
    'a PodIdentityAssociation lacks its ServiceAccount',
    'prod',
    (env) =>
      env.app.push({
        apiVersion: 'eks.services.k8s.aws/v1alpha1',
        kind: 'PodIdentityAssociation',
        metadata: { name: 'x', annotations: {} },
        spec: { namespace: 'orders-prod', roleArn: 'arn:aws:iam::111122223333:role/x' },
      }),
    'schema',
    /spec.serviceAccount: required|spec.roleArn: unknown field/,
  ],
];

describe('policy checker on broken manifests', () => {
  it.each(
    CASES.map(([description, name, breakIt, rule, message]) => ({
      description,
      name,
      breakIt,
      rule,
      message,
    })),
  )('should report $description', async ({ name, breakIt, rule, message }) => {
    const environment = clone(buildEnvironment(name));

    breakIt(environment);

    expect(await rulesBroken(environment)).toContain(rule);
    if (message) {
      expect(
        (await checkEnvironment(environment))
          .filter((problem) => problem.rule === rule)
          .map((problem) => problem.message),
      ).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    }
  });

  it('should accept the admin API once the processor role also carries the operator policy', async () => {
    const environment = clone(buildEnvironment('prod'));
    configMap(environment, 'dlq-sidecar-config').data.ADMIN_API_KEY_SHA256 = 'a'.repeat(64);
    const annotations = (find(
      environment.app,
      'ServiceAccount',
      'processor',
    ).metadata.annotations ??= {});

    annotations['order-pipeline.io/iam-policies'] += ' dlq-operator-policy.json';

    expect(await rulesBroken(environment)).not.toContain('iam-policies');
  });

  it.each(['dev', 'staging', 'prod'] as const)(
    'should accept %s with EKS Pod Identity instead of IRSA on every ServiceAccount',
    async (name) => {
      const environment = clone(buildEnvironment(name));
      const accounts = environment.app.filter((object) => object.kind === 'ServiceAccount');

      for (const account of accounts) {
        const annotations = account.metadata.annotations ?? {};
        if (annotations['eks.amazonaws.com/role-arn']) {
          annotations['order-pipeline.io/pod-identity-role-arn'] =
            annotations['eks.amazonaws.com/role-arn'];
          delete annotations['eks.amazonaws.com/role-arn'];
        }
      }

      // Where the overlay declares its AWS side through ACK, render it again for the new identity.
      if (environment.app.some((object) => ACK_GROUPS.test(`${object.apiVersion}/`))) {
        const own = environment.app.filter((object) => !ACK_GROUPS.test(`${object.apiVersion}/`));
        environment.app = [...own, ...renderComponentObjects(name, own)];
      }

      expect(
        accounts.some(
          (account) => account.metadata.annotations?.['order-pipeline.io/pod-identity-role-arn'],
        ),
      ).toBe(true);
      expect(await checkEnvironment(environment)).toEqual([]);
    },
  );

  it('should report every planted mistake in a broken gateway manifest', async () => {
    const environment = clone(buildEnvironment('prod'));
    const broken = parseManifests(
      readFileSync(path.join(__dirname, 'fixtures', 'broken-gateway.yaml'), 'utf8'),
      'broken-gateway.yaml',
    );
    environment.app = [
      ...environment.app.filter(
        (object) => !(object.kind === 'Deployment' && object.metadata.name === 'gateway'),
      ),
      ...broken,
    ];

    const problems = await checkEnvironment(environment);
    const messages = problems.map((problem) => `[${problem.rule}] ${problem.message}`);

    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[schema\] spec\.replica: unknown field/),
        expect.stringMatching(/^\[schema\] .*readOnlyRootFs: unknown field/),
        expect.stringMatching(/^\[image-tag\] gateway: .*:latest/),
        expect.stringMatching(/^\[resources\] gateway: cpu request and limit/),
        expect.stringMatching(/^\[probes\] gateway: readinessProbe GET \/healthz is not served/),
        expect.stringMatching(
          /^\[probes\] gateway: readinessProbe port "8080"|^\[probes\] gateway: readinessProbe targets port 8080/,
        ),
        expect.stringMatching(/^\[security-context\] gateway: needs runAsNonRoot/),
        expect.stringMatching(/^\[config\] gateway: ORDER_QUEUE_URL is not read by gateway/),
        expect.stringMatching(
          /^\[config\] gateway: ORDERS_QUEUE_URL is required by gateway and not set/,
        ),
        expect.stringMatching(/^\[autoscaling\] sets spec.replicas/),
        expect.stringMatching(/^\[service-account\] set serviceAccountName/),
        expect.stringMatching(/^\[topology-spread\]/),
      ]),
    );
  });

  it('should report an unknown field the Kubernetes schema lets through', () => {
    const [deployment] = parseManifests(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers:
        - name: x
          image: ghcr.io/order-pipeline/gateway:1.0.0
          resources: {limits: {cpu: "1"}}
          env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k, optinal: true}}}]
`);

    const problems = validateObject(deployment).map((problem) => problem.message);

    expect(problems).toEqual([
      'spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.optinal: unknown field (not in the apps/v1 Deployment schema)',
    ]);
  });

  it('should report a wrong type through the Kubernetes schema', () => {
    const [service] = parseManifests(
      'apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: "eighty"}]}\n',
    );

    expect(
      validateObject(service)
        .map((problem) => problem.message)
        .join('\n'),
    ).toMatch(/ports\/0\/port/);
  });

  it('should say clearly that kubectl is missing when it cannot be run', () => {
    expect(() => kustomize('overlays/prod', 'kubectl-not-installed')).toThrow(
      /kubectl-not-installed is not installed or not on PATH/,
    );
  });
});

describe(Formula.name, () => {
  it('should evaluate the operators KEDA formulas use', () => {
    const formula = new Formula(
      'paused > 0 ? pods * 40 : (queue > 0 && age / 180 * 40 > queue ? age / 180 * 40 : queue)',
    );

    expect(formula.variables).toEqual(['age', 'paused', 'pods', 'queue']);
    expect(formula.evaluate({ paused: 0, pods: 3, queue: 100, age: 0 })).toBe(100);
    expect(formula.evaluate({ paused: 1, pods: 3, queue: 100, age: 900 })).toBe(120);
    expect(formula.evaluate({ paused: 0, pods: 3, queue: 1, age: 360 })).toBe(80);
    expect(new Formula('max(a, -b) + min(1, 2) % 2').evaluate({ a: 1, b: 5 })).toBe(2);
  });

  it('should reject a formula that returns a boolean or has a syntax error', () => {
    expect(() => new Formula('queue > 1').evaluate({ queue: 2 })).toThrow(/boolean/);
    expect(() => new Formula('queue >')).toThrow(/unexpected/);
  });
});
