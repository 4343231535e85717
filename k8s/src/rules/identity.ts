import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AppName, AWS_APPS } from '../lib/app-contract';
import { K8S_ROOT, K8sObject, objectId, walkStrings } from '../lib/manifests';
import { containerApp, Json, ResolvedEnv } from '../lib/workloads';
import { Rule } from './rule';

/** Secrets created by hand where no External Secrets Operator runs (k8s/README.md documents each). */
export const MANUAL_SECRETS: Record<string, string[]> = {
  'orders-db-processor': ['DATABASE_URL'],
  'orders-db-dlq-sidecar': ['DATABASE_URL'],
  'orders-db-dlq-operator': ['DATABASE_URL'],
  'orders-db-reader': ['DATABASE_URL'],
  'orders-db-migrator': ['DATABASE_URL'],
  'gateway-api-keys': ['API_KEYS'],
  'dlq-alerts': ['ALERT_WEBHOOK_URL'],
  'dlq-customer-mask': ['ALERT_CUSTOMER_MASK_SECRET'],
};

/** The k8s/iam permission policy written for each process (iam.spec.ts checks each against its code). */
export const POLICY_DOCUMENTS: Partial<Record<AppName, string>> = {
  gateway: 'gateway-policy.json',
  processor: 'processor-policy.json',
  'dlq-sidecar': 'dlq-sidecar-policy.json',
  'dlq-cli': 'dlq-operator-policy.json',
};
// On each ServiceAccount with a role: the k8s/iam documents attached to it.
const IAM_POLICIES_ANNOTATION = 'order-pipeline.io/iam-policies';
// How a ServiceAccount gets its role: IRSA's annotation, or (EKS Pod Identity, whose association
// lives in AWS, not in the manifest) ours naming the role the association must use.
const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
const POD_IDENTITY_ROLE_ANNOTATION = 'order-pipeline.io/pod-identity-role-arn';

/** The role a ServiceAccount's pods get, by IRSA or Pod Identity. */
function roleOf(account: K8sObject): string | undefined {
  const annotations = account.metadata.annotations ?? {};
  return annotations[IRSA_ROLE_ANNOTATION] ?? annotations[POD_IDENTITY_ROLE_ANNOTATION];
}

export const serviceAccount: Rule = {
  name: 'service-account',
  check(context, report) {
    for (const build of context.builds) {
      for (const workload of build.workloads) {
        const name: string | undefined = workload.podSpec.serviceAccountName;
        const account = context
          .ofKind('ServiceAccount', build.objects)
          .find((object) => object.metadata.name === name);
        if (!name || name === 'default') {
          report(workload.object, "set serviceAccountName to the workload's own ServiceAccount");
          continue;
        }
        if (!account) {
          report(
            workload.object,
            `ServiceAccount "${name}" is not in the same build (${build.label})`,
          );
          continue;
        }
        const needsAws = workload.all.some((container) =>
          AWS_APPS.includes(containerApp(container) as AppName),
        );
        const annotations = account.metadata.annotations ?? {};
        const role = roleOf(account);
        if (annotations[IRSA_ROLE_ANNOTATION] && annotations[POD_IDENTITY_ROLE_ANNOTATION]) {
          report(
            account,
            `has both ${IRSA_ROLE_ANNOTATION} and ${POD_IDENTITY_ROLE_ANNOTATION}: the SDK would take IRSA's credentials and ignore the Pod Identity association; keep one`,
          );
        } else if (needsAws && !/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role ?? '')) {
          report(
            account,
            `needs its IAM role: ${IRSA_ROLE_ANNOTATION} (IRSA) or ${POD_IDENTITY_ROLE_ANNOTATION} (EKS Pod Identity)`,
          );
        }
        if (!needsAws && role) {
          report(
            account,
            'has an IAM role but its pods do not call AWS: remove it (least privilege)',
          );
        }
      }
    }
  },
};

// The role's documents must be what the containers using it call, no more: the sidecar with its
// admin API on redrives and purges with the pod's role, so that role then needs the operator's too.
export const iamPolicies: Rule = {
  name: 'iam-policies',
  check(context, report) {
    for (const build of context.builds) {
      for (const workload of build.workloads) {
        const account = context
          .ofKind('ServiceAccount', build.objects)
          .find((object) => object.metadata.name === workload.podSpec.serviceAccountName);
        const annotations = account?.metadata.annotations ?? {};
        if (!account || !roleOf(account)) {
          continue;
        }
        const needed = new Map<string, string>();
        for (const container of workload.all) {
          const app = containerApp(container);
          const document = app && POLICY_DOCUMENTS[app];
          if (document) {
            needed.set(document, `${container.name} (${app})`);
          }
          const door = app === 'dlq-sidecar' && adminDoor(context.env(container, workload));
          if (door) {
            needed.set(
              POLICY_DOCUMENTS['dlq-cli'] as string,
              `${container.name}'s admin API (${door} is set: it redrives and purges with this role)`,
            );
          }
        }
        const listed: string[] = (annotations[IAM_POLICIES_ANNOTATION] ?? '')
          .split(/[\s,]+/)
          .filter(Boolean);
        const problem = (message: string): void => report(account, message);
        if (listed.length === 0) {
          problem(
            `name the k8s/iam documents attached to its role in the ${IAM_POLICIES_ANNOTATION} annotation`,
          );
          continue;
        }
        listed
          .filter((document) => !existsSync(path.join(K8S_ROOT, 'iam', document)))
          .forEach((document) => problem(`${document} is not in k8s/iam`));
        for (const [document, user] of needed) {
          if (!listed.includes(document)) {
            problem(
              `${workload.id}: ${user} needs ${document}, which ${IAM_POLICIES_ANNOTATION} does not list: attach it to ${roleOf(account)} and list it`,
            );
          }
        }
        for (const document of listed.filter((item) => !needed.has(item))) {
          problem(
            `lists ${document}, which no container of ${workload.id} needs: detach it (least privilege)`,
          );
        }
      }
    }
  },
};

export const accounts: Rule = {
  name: 'accounts',
  check(context, report) {
    const seen = new Map<string, string>();
    for (const object of context.objects) {
      walkStrings(object, (text, path) => {
        const account = /arn:aws:[a-z]+::(\d{12}):|amazonaws\.com\/(\d{12})\//.exec(text);
        if (account) {
          seen.set(account[1] ?? account[2], `${objectId(object)} ${path}`);
        }
      });
    }
    if (seen.size > 1) {
      report(
        context.input.name,
        `one environment, one AWS account: found ${[...seen].map(([account, where]) => `${account} (${where})`).join(', ')}`,
      );
    }
  },
};

export const secrets: Rule = {
  name: 'secrets',
  check(context, report) {
    for (const build of context.builds) {
      const external = context.ofKind('ExternalSecret', build.objects);
      const usesExternal = context.ofKind('ExternalSecret').length > 0;
      for (const workload of build.workloads) {
        for (const container of workload.all) {
          for (const reference of context.env(container, workload).secrets) {
            if (usesExternal) {
              const producer = external.find(
                (item) => (item.spec?.target?.name ?? item.metadata.name) === reference.secret,
              );
              const keys = (producer?.spec?.data ?? []).map((item: Json) => item.secretKey);
              if (!producer && !reference.optional) {
                report(
                  workload.object,
                  `${container.name}: Secret "${reference.secret}" is produced by no ExternalSecret in the same build`,
                );
              } else if (producer && reference.key && !keys.includes(reference.key)) {
                report(
                  workload.object,
                  `${container.name}: ExternalSecret ${producer.metadata.name} does not write key ${reference.key}`,
                );
              }
            } else {
              const documented = MANUAL_SECRETS[reference.secret];
              if (!documented || (reference.key && !documented.includes(reference.key))) {
                report(
                  workload.object,
                  `${container.name}: Secret "${reference.secret}" key "${reference.key}" is not among the Secrets the deploy guide tells operators to create`,
                );
              }
            }
          }
        }
      }
    }
  },
};

// What mounts the sidecar's admin API (DlqSidecarConfig.doorsOpen): a key, operator keys or the console.
function adminDoor({ names, values }: ResolvedEnv): string | undefined {
  if (names.has('ADMIN_API_KEY_SHA256')) {
    return 'ADMIN_API_KEY_SHA256';
  }
  if (names.has('OPERATOR_API_KEYS') && values.OPERATOR_API_KEYS?.trim()) {
    return 'OPERATOR_API_KEYS';
  }
  const signIn = values.CONSOLE_SIGN_IN?.trim();
  return names.has('CONSOLE_SIGN_IN') && signIn && signIn !== 'off' ? 'CONSOLE_SIGN_IN' : undefined;
}
