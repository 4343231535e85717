import {
  ACK_GROUPS,
  DELETION_POLICY_ANNOTATION,
  IAM_POLICIES_ANNOTATION,
  IRSA_ROLE_ANNOTATION,
  OverlayFacts,
  overlayFacts,
  POD_IDENTITY_ROLE_ANNOTATION,
  REGION_ANNOTATION,
  renderIamDocument,
} from '../aws/aws-resources';
import { FOURTEEN_DAYS_SECONDS } from '../aws/queue-settings';
import { K8sObject } from '../lib/manifests';
import { Json } from '../lib/workloads';
import { Report, Rule } from './rule';

// The AWS side declared through ACK (components/aws-ack) against the apps' config: an accepted
// order must outlive a long weekend in the queue, be hidden while a processor works on it, get
// every redelivery the processor's schedule plans, and reach the DLQ only after that.

function parseJson(text: unknown): Json {
  try {
    return JSON.parse(String(text));
  } catch {
    return undefined;
  }
}

const sameJson = (left: unknown, right: unknown): boolean =>
  JSON.stringify(parseJson(left)) === JSON.stringify(parseJson(right));

/** Receives until the redelivery delay (base × 2^(receives − 1)) reaches its cap. */
export function receivesToReachCap(baseSeconds: number, maxSeconds: number): number {
  let receives = 1;
  while (baseSeconds > 0 && baseSeconds * 2 ** (receives - 1) < maxSeconds) {
    receives++;
  }
  return receives;
}

function checkQueues(facts: OverlayFacts, queues: K8sObject[], report: Report): void {
  const byName = (name: string) => queues.find((queue) => queue.spec?.queueName === name);
  const orders = byName(facts.orders.name);
  const dlq = byName(facts.deadLetters.name);
  if (!orders || !dlq) {
    report(
      facts.namespace,
      `the ACK component declares no Queue named ${!orders ? facts.orders.name : facts.deadLetters.name} (ORDERS_QUEUE_URL / ORDERS_DLQ_URL)`,
    );
    return;
  }
  const config = facts.processorConfig as Record<string, number>;
  const seconds = (queue: K8sObject, field: string): number => Number(queue.spec[field]);

  const retention = seconds(orders, 'messageRetentionPeriod');
  if (retention !== FOURTEEN_DAYS_SECONDS) {
    report(
      orders,
      `messageRetentionPeriod is ${retention} s: it must be 14 days (${FOURTEEN_DAYS_SECONDS} s), or accepted orders expire unseen after a broken rollout`,
    );
  }
  if (!(seconds(dlq, 'messageRetentionPeriod') >= retention)) {
    report(
      dlq,
      `messageRetentionPeriod ${dlq.spec.messageRetentionPeriod} s is below the orders queue's ${retention} s: SQS counts a dead letter's age from its first send, so moved orders would expire early`,
    );
  }

  const visibility = seconds(orders, 'visibilityTimeout');
  if (visibility !== config.VISIBILITY_TIMEOUT_SECONDS) {
    report(
      orders,
      `visibilityTimeout ${orders.spec.visibilityTimeout} differs from the processor's VISIBILITY_TIMEOUT_SECONDS ${config.VISIBILITY_TIMEOUT_SECONDS}`,
    );
  }
  // After the handler gives up, the batch is still settled (handed back or deleted) through SQS.
  const margin = config.SQS_REQUEST_TIMEOUT_MS;
  if (!(visibility * 1000 >= config.HANDLER_TIMEOUT_MS + margin)) {
    report(
      orders,
      `visibilityTimeout ${visibility} s is below the processor's HANDLER_TIMEOUT_MS ${config.HANDLER_TIMEOUT_MS} + SQS_REQUEST_TIMEOUT_MS ${margin}: a batch could reappear while it is still being worked on`,
    );
  }
  if (!(config.HEARTBEAT_INTERVAL_SECONDS < visibility)) {
    report(
      orders,
      `the processor's HEARTBEAT_INTERVAL_SECONDS ${config.HEARTBEAT_INTERVAL_SECONDS} is not below visibilityTimeout ${visibility} s`,
    );
  }

  const redrive = parseJson(orders.spec.redrivePolicy);
  if (redrive?.deadLetterTargetArn !== facts.deadLetters.arn) {
    report(orders, `redrivePolicy must name ${facts.deadLetters.arn} (ORDERS_DLQ_URL)`);
  }
  const needed = receivesToReachCap(config.REDELIVERY_BASE_SECONDS, config.REDELIVERY_MAX_SECONDS);
  if (!(Number(redrive?.maxReceiveCount) >= needed)) {
    report(
      orders,
      `redrivePolicy maxReceiveCount ${redrive?.maxReceiveCount} ends the processor's retry schedule early: REDELIVERY_BASE_SECONDS ${config.REDELIVERY_BASE_SECONDS} doubling to REDELIVERY_MAX_SECONDS ${config.REDELIVERY_MAX_SECONDS} needs ${needed} receives`,
    );
  }
  const allow = parseJson(dlq.spec.redriveAllowPolicy);
  if (
    allow?.redrivePermission !== 'byQueue' ||
    !allow?.sourceQueueArns?.includes(facts.orders.arn)
  ) {
    report(dlq, `redriveAllowPolicy must allow ${facts.orders.arn} only (byQueue)`);
  }

  for (const [queue, address] of [
    [orders, facts.orders],
    [dlq, facts.deadLetters],
  ] as const) {
    if (queue.spec.sqsManagedSSEEnabled !== 'true' && !queue.spec.kmsMasterKeyID) {
      report(queue, 'is not encrypted: set sqsManagedSSEEnabled "true" (or a KMS key)');
    }
    const denies = (parseJson(queue.spec.policy)?.Statement ?? []).some(
      (statement: Json) =>
        statement.Effect === 'Deny' &&
        statement.Principal === '*' &&
        statement.Action === 'sqs:*' &&
        statement.Resource === address.arn &&
        statement.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    if (!denies) {
      report(queue, 'its policy must deny sqs:* when aws:SecureTransport is false (TLS only)');
    }
    if (queue.metadata.annotations?.[DELETION_POLICY_ANNOTATION] !== 'retain') {
      report(
        queue,
        `needs ${DELETION_POLICY_ANNOTATION}: retain (deleting the overlay must not delete accepted orders)`,
      );
    }
  }
}

// The roles and policies ACK creates are the k8s/iam documents, as the ServiceAccounts name them.
function checkIdentity(
  facts: OverlayFacts,
  ack: K8sObject[],
  variables: Record<string, string>,
  report: Report,
): void {
  const policies = ack.filter((object) => object.kind === 'Policy');
  const roles = ack.filter((object) => object.kind === 'Role');
  const associations = ack.filter((object) => object.kind === 'PodIdentityAssociation');
  const account = facts.orders.account;
  const policyArn = (file: string): string =>
    `arn:aws:iam::${account}:policy/orders-${facts.env}-${file.replace(/-policy\.json$/, '')}`;

  for (const policy of policies) {
    const file = `${String(policy.spec.name).replace(`orders-${facts.env}-`, '')}-policy.json`;
    let expected: string | undefined;
    try {
      expected = renderIamDocument(file, variables);
    } catch {
      report(
        policy,
        `${policy.spec.name} is not made from a k8s/iam document (orders-<env>-<document>)`,
      );
      continue;
    }
    if (!sameJson(policy.spec.policyDocument, expected)) {
      report(policy, `policyDocument differs from k8s/iam/${file}: render the component again`);
    }
  }
  const wanted = facts.serviceAccounts.map((serviceAccount) => {
    const annotations = serviceAccount.metadata.annotations ?? {};
    return {
      serviceAccount,
      podIdentity: Boolean(annotations[POD_IDENTITY_ROLE_ANNOTATION]),
      arn: annotations[POD_IDENTITY_ROLE_ANNOTATION] ?? annotations[IRSA_ROLE_ANNOTATION],
      documents: (annotations[IAM_POLICIES_ANNOTATION] ?? '').split(/[\s,]+/).filter(Boolean),
    };
  });
  if (facts.kedaScalerRoleArn) {
    wanted.push({
      serviceAccount: undefined as unknown as K8sObject,
      podIdentity: false,
      arn: facts.kedaScalerRoleArn,
      documents: ['keda-scaler-policy.json'],
    });
  }
  for (const want of wanted) {
    const name = String(want.arn).replace(/^arn:aws:iam::\d{12}:role\//, '');
    const role = roles.find((item) => item.spec.name === name);
    const who = want.serviceAccount
      ? `ServiceAccount ${want.serviceAccount.metadata.name}`
      : 'KEDA';
    if (!role) {
      report(facts.namespace, `${who} uses role ${name}, which the ACK component does not declare`);
      continue;
    }
    const attached = [...(role.spec.policies ?? [])].sort();
    const expected = want.documents.map(policyArn).sort();
    if (JSON.stringify(attached) !== JSON.stringify(expected)) {
      report(
        role,
        `policies ${attached.join(', ')} must be ${expected.join(', ')} (${who}'s ${IAM_POLICIES_ANNOTATION})`,
      );
    }
    for (const arn of expected.filter(
      (arn) => !policies.some((policy) => arn.endsWith(`:policy/${policy.spec.name}`)),
    )) {
      report(role, `attaches ${arn}, which the component does not declare`);
    }
    if (!want.serviceAccount) {
      continue;
    }
    const trust = renderIamDocument(
      want.podIdentity ? 'pod-identity-trust-policy.json' : 'irsa-trust-policy.json',
      { ...variables, SERVICE_ACCOUNT: want.serviceAccount.metadata.name },
    );
    if (!sameJson(role.spec.assumeRolePolicyDocument, trust)) {
      report(
        role,
        `assumeRolePolicyDocument must be k8s/iam/${want.podIdentity ? 'pod-identity' : 'irsa'}-trust-policy.json for ${facts.namespace}/${want.serviceAccount.metadata.name}`,
      );
    }
    const association = associations.find(
      (item) => item.spec.serviceAccount === want.serviceAccount.metadata.name,
    );
    if (
      want.podIdentity &&
      (!association ||
        association.spec.roleARN !== want.arn ||
        association.spec.namespace !== facts.namespace)
    ) {
      report(
        want.serviceAccount,
        `uses EKS Pod Identity: the component needs a PodIdentityAssociation for ${facts.namespace}/${want.serviceAccount.metadata.name} with roleARN ${want.arn}`,
      );
    }
    if (!want.podIdentity && association) {
      report(
        association,
        'its ServiceAccount uses IRSA: drop the association (one identity per pod)',
      );
    }
  }
}

export const awsResources: Rule = {
  name: 'aws-resources',
  check(context, report) {
    const ack = context.input.app.filter((object) => ACK_GROUPS.test(`${object.apiVersion}/`));
    if (ack.length === 0) {
      return;
    }
    let facts: OverlayFacts;
    try {
      facts = overlayFacts(context.input.app);
    } catch (error) {
      report(context.input.name, (error as Error).message);
      return;
    }
    for (const object of ack) {
      if (object.metadata.annotations?.[REGION_ANNOTATION] !== facts.orders.region) {
        report(
          object,
          `needs ${REGION_ANNOTATION}: ${facts.orders.region} (AWS_REGION of the queue URLs)`,
        );
      }
    }
    checkQueues(
      facts,
      ack.filter((object) => object.kind === 'Queue'),
      report,
    );
    checkIdentity(
      facts,
      ack,
      {
        AWS_REGION: facts.orders.region,
        AWS_ACCOUNT_ID: facts.orders.account,
        ENV: facts.env,
        NAMESPACE: facts.namespace,
        // The cluster's own values are only in the trust documents; take them from the roles.
        OIDC_PROVIDER: oidcProviderOf(ack),
        KEDA_OPERATOR_ROLE: kedaOperatorRoleOf(ack),
      },
      report,
    );
  },
};

function oidcProviderOf(ack: K8sObject[]): string {
  for (const role of ack.filter((object) => object.kind === 'Role')) {
    const federated = parseJson(role.spec.assumeRolePolicyDocument)?.Statement?.[0]?.Principal
      ?.Federated;
    const provider = /:oidc-provider\/(.+)$/.exec(String(federated ?? ''))?.[1];
    if (provider) {
      return provider;
    }
  }
  return '';
}

function kedaOperatorRoleOf(ack: K8sObject[]): string {
  for (const role of ack.filter((object) => object.kind === 'Role')) {
    const principal = parseJson(role.spec.assumeRolePolicyDocument)?.Statement?.[0]?.Principal?.AWS;
    const name = /:role\/(.+)$/.exec(String(principal ?? ''))?.[1];
    if (name) {
      return name;
    }
  }
  return '';
}
