import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  AppName,
  appMetricNames,
  appRoutes,
  configDefault,
  configProblems,
  effectiveConfig,
  IMAGE_REPOSITORY,
  imageScripts,
  imageRepository,
  knownConfigKeys,
  requiredConfigKeys,
  servesGet,
  shutdownDeadlineMs,
} from './app-contract';
import { Formula } from './formula';
import { Environment, K8S_ROOT, K8sObject, objectId } from './manifests';
import { Problem } from './problem';
import { validateObject } from './schema';
import {
  Container,
  containerApp,
  isOneOff,
  jobSpec,
  Json,
  parseEqualitySelector,
  parseQuantity,
  replicaBounds,
  resolveEnv,
  selectorMatches,
  Workload,
  workloads,
} from './workloads';

export const DB_BUDGET_ANNOTATION = 'order-pipeline.io/db-connection-budget';

/** Secrets created by hand where no External Secrets Operator runs (k8s/README.md documents each). */
export const MANUAL_SECRETS: Record<string, string[]> = {
  'orders-db-writer': ['DATABASE_URL'],
  'orders-db-reader': ['DATABASE_URL'],
  'orders-db-migrator': ['DATABASE_URL'],
  'gateway-api-keys': ['API_KEYS'],
  'dlq-alerts': ['ALERT_WEBHOOK_URL'],
};

/** The k8s/iam permission policy written for each process (iam.spec.ts checks each against its code). */
export const POLICY_DOCUMENTS: Partial<Record<AppName, string>> = {
  gateway: 'gateway-policy.json',
  processor: 'processor-policy.json',
  'dlq-sidecar': 'dlq-sidecar-policy.json',
  'dlq-cli': 'dlq-operator-policy.json',
};
// On each IRSA ServiceAccount: the k8s/iam documents attached to its role.
export const IAM_POLICIES_ANNOTATION = 'order-pipeline.io/iam-policies';

// Apps that call AWS and therefore need a role on their ServiceAccount.
const AWS_APPS: AppName[] = ['gateway', 'processor', 'dlq-sidecar', 'dlq-cli'];
// Variables read by Node or the AWS SDK rather than by the config classes.
const RUNTIME_VARIABLES = /^(NODE_OPTIONS|NODE_EXTRA_CA_CERTS|TZ)$/;
const PLACEHOLDER_ACCOUNT = '000000000000';
const PLACEHOLDER_TEXT = 'filled-by-keda-wiring';

/** Everything a rule may look at: one environment's two builds. */
export interface CheckInput {
  name: string;
  app: K8sObject[];
  migrate: K8sObject[];
}

interface Build {
  label: 'app' | 'migrate';
  objects: K8sObject[];
  workloads: Workload[];
}

class Context {
  readonly builds: Build[];
  readonly objects: K8sObject[];
  readonly workloads: Workload[];
  readonly problems: Problem[] = [];
  private readonly envCache = new Map<Container, ReturnType<typeof resolveEnv>>();

  constructor(readonly input: CheckInput) {
    this.builds = [
      { label: 'app', objects: input.app, workloads: workloads(input.app) },
      {
        label: 'migrate',
        objects: input.migrate,
        workloads: workloads(input.migrate),
      },
    ];
    this.objects = [...input.app, ...input.migrate];
    this.workloads = this.builds.flatMap((build) => build.workloads);
  }

  report(rule: string, object: K8sObject | string, message: string): void {
    this.problems.push({
      rule,
      object: typeof object === 'string' ? object : objectId(object),
      message,
    });
  }

  ofKind(kind: string, objects = this.objects): K8sObject[] {
    return objects.filter((object) => object.kind === kind);
  }

  buildOf(workload: Workload): Build {
    return this.builds.find((build) => build.workloads.includes(workload)) as Build;
  }

  env(container: Container, workload: Workload): ReturnType<typeof resolveEnv> {
    let resolved = this.envCache.get(container);
    if (!resolved) {
      resolved = resolveEnv(container, this.buildOf(workload).objects);
      this.envCache.set(container, resolved);
    }
    return resolved;
  }

  /** The app's validated config for this container, or undefined when it would not start. */
  config(container: Container, workload: Workload): Record<string, unknown> | undefined {
    const app = containerApp(container);
    if (!app) {
      return undefined;
    }
    try {
      return effectiveConfig(app, this.env(container, workload).values);
    } catch {
      return undefined;
    }
  }

  workloadNamed(kind: string, name: string, objects = this.objects): Workload | undefined {
    return this.workloads.find(
      (workload) =>
        workload.object.kind === kind &&
        workload.object.metadata.name === name &&
        objects.includes(workload.object),
    );
  }

  containersOfApp(app: AppName): Array<{ workload: Workload; container: Container }> {
    return this.workloads.flatMap((workload) =>
      workload.all
        .filter((container) => containerApp(container) === app)
        .map((container) => ({ workload, container })),
    );
  }
}

function walkStrings(value: unknown, visit: (text: string, path: string) => void, path = ''): void {
  if (typeof value === 'string') {
    visit(value, path);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => walkStrings(item, visit, `${path}[${index}]`));
  } else if (value && typeof value === 'object') {
    Object.entries(value).forEach(([key, item]) =>
      walkStrings(item, visit, path ? `${path}.${key}` : key),
    );
  }
}

function parseQueueUrl(
  url: string | undefined,
): { region: string; account: string; name: string } | undefined {
  const match = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\/(\d{12})\/([A-Za-z0-9_-]+)$/.exec(
    url ?? '',
  );
  return match ? { region: match[1], account: match[2], name: match[3] } : undefined;
}

function containerPort(
  workload: Workload,
  port: string | number | undefined,
  container?: Container,
): number | undefined {
  if (typeof port === 'number') {
    return port;
  }
  const candidates = container ? [container] : workload.all;
  return candidates.flatMap((item) => item.ports ?? []).find((item) => item.name === port)
    ?.containerPort;
}

// ---------------------------------------------------------------------------------------------
// Rules. Each adds problems to the context; rule names appear in every message.

function schema(context: Context): void {
  for (const object of context.objects) {
    context.problems.push(...validateObject(object));
  }
}

function noPlaceholders(context: Context): void {
  for (const object of context.objects) {
    walkStrings(object, (text, path) => {
      if (text.includes(PLACEHOLDER_ACCOUNT) || text.includes(PLACEHOLDER_TEXT)) {
        context.report(
          'placeholders',
          object,
          `${path} still holds a base placeholder ("${text}"): set the environment's value in the overlay`,
        );
      }
    });
  }
  for (const object of context.ofKind('Secret')) {
    context.report(
      'placeholders',
      object,
      'Secrets are not kept in git: use components/external-secret or kubectl create secret (k8s/README.md)',
    );
  }
}

function images(context: Context): void {
  for (const workload of context.workloads) {
    for (const container of workload.all) {
      const image = container.image ?? '';
      const repository = imageRepository(image);
      const tag = image.includes('@') ? undefined : image.slice(repository.length + 1) || undefined;
      if (!image.includes('@') && (!tag || tag === 'latest')) {
        context.report(
          'image-tag',
          workload.object,
          `${container.name}: image "${image}" needs a fixed tag or digest (not untagged, not :latest)`,
        );
      }
      if (!repository.startsWith(`${IMAGE_REPOSITORY}/`)) {
        context.report(
          'image-tag',
          workload.object,
          `${container.name}: image "${image}" is not one of the pipeline's images (${IMAGE_REPOSITORY}/...)`,
        );
      }
    }
  }
}

function resources(context: Context): void {
  for (const workload of context.workloads) {
    for (const container of workload.all) {
      for (const resource of ['cpu', 'memory']) {
        const request = parseQuantity(container.resources?.requests?.[resource]);
        const limit = parseQuantity(container.resources?.limits?.[resource]);
        if (request === undefined || limit === undefined) {
          context.report(
            'resources',
            workload.object,
            `${container.name}: ${resource} request and limit must both be set`,
          );
        } else if (Number.isNaN(request) || Number.isNaN(limit) || request > limit) {
          context.report(
            'resources',
            workload.object,
            `${container.name}: ${resource} request ${container.resources.requests[resource]} must be a quantity not above the limit ${container.resources.limits[resource]}`,
          );
        }
      }
    }
  }
}

// Measured (docs/dlq-sidecar.md, "Inspect and redrive in a cluster"): the sidecar idles at about
// 126 MiB RSS and one CLI process (`node cli.js`) takes about 110 MiB. An operator's
// `kubectl exec ... -c dlq-sidecar -- node cli.js` runs inside the sidecar container's limit.
export const DLQ_SIDECAR_IDLE_MIB = 126;
export const DLQ_CLI_MIB = 110;
// Room above the measured figures: larger scans and heap growth before the garbage collector runs.
const MEMORY_HEADROOM = 1.25;

function memory(context: Context): void {
  const mebibytes = (value: number): number => Math.round(value / 2 ** 20);
  for (const workload of context.workloads) {
    for (const container of workload.all) {
      const app = containerApp(container);
      const request = parseQuantity(container.resources?.requests?.memory);
      const limit = parseQuantity(container.resources?.limits?.memory);
      if (app === 'dlq-cli') {
        const cliLimit = Math.ceil(DLQ_CLI_MIB * MEMORY_HEADROOM);
        if (limit !== undefined && mebibytes(limit) < cliLimit) {
          context.report(
            'memory',
            workload.object,
            `${container.name}: memory limit ${container.resources.limits.memory} is below what the CLI needs (about ${DLQ_CLI_MIB} MiB, ${cliLimit}Mi with room)`,
          );
        }
        continue;
      }
      if (app !== 'dlq-sidecar') {
        continue;
      }
      const neededLimit = Math.ceil((DLQ_SIDECAR_IDLE_MIB + DLQ_CLI_MIB) * MEMORY_HEADROOM);
      if (limit !== undefined && mebibytes(limit) < neededLimit) {
        context.report(
          'memory',
          workload.object,
          `${container.name}: memory limit ${container.resources.limits.memory} cannot hold the sidecar (about ${DLQ_SIDECAR_IDLE_MIB} MiB) and a \`kubectl exec\`-ed CLI (about ${DLQ_CLI_MIB} MiB) with ${Math.round((MEMORY_HEADROOM - 1) * 100)} % room: set at least ${neededLimit}Mi, or the exec gets the sidecar OOM-killed`,
        );
      }
      if (request !== undefined && mebibytes(request) < DLQ_SIDECAR_IDLE_MIB) {
        context.report(
          'memory',
          workload.object,
          `${container.name}: memory request ${container.resources.requests.memory} is below what the sidecar uses at idle (about ${DLQ_SIDECAR_IDLE_MIB} MiB)`,
        );
      }
    }
  }
}

// Alerts tell the operator to run INSPECT_HINT (plus --reason/--order): it must be the command that
// works in this cluster, into this Deployment's sidecar, with the CLI the image carries.
function inspectHint(context: Context): void {
  for (const workload of context.workloads) {
    for (const container of workload.longRunning) {
      if (containerApp(container) !== 'dlq-sidecar') {
        continue;
      }
      const { kind, metadata } = workload.object;
      const resource = kind === 'Deployment' ? 'deploy' : kind.toLowerCase();
      const expected = `kubectl -n ${metadata.namespace} exec ${resource}/${metadata.name} -c ${container.name} -- node cli.js list`;
      const hint = String(
        context.env(container, workload).values.INSPECT_HINT ??
          configDefault('dlq-sidecar', 'INSPECT_HINT'),
      );
      if (hint !== expected) {
        context.report(
          'inspect-hint',
          workload.object,
          `${container.name}: INSPECT_HINT is "${hint}"; operators in this cluster run "${expected}"`,
        );
      }
      if (!imageScripts('dlq-sidecar').includes('cli.js')) {
        context.report(
          'inspect-hint',
          workload.object,
          `${container.name}: the dlq-sidecar image no longer builds cli.js (apps/dlq-sidecar/webpack.config.js), which INSPECT_HINT runs`,
        );
      }
    }
  }
}

function probes(context: Context): void {
  for (const workload of context.workloads) {
    if (isOneOff(workload)) {
      continue;
    }
    for (const container of workload.longRunning) {
      const app = containerApp(container);
      if (!app) {
        continue;
      }
      const config = context.config(container, workload);
      // Where the app listens: its validated config, or (when that fails, reported by "config") PORT as set or defaulted.
      const port = Number(
        config?.PORT ?? context.env(container, workload).values.PORT ?? configDefault(app, 'PORT'),
      );
      for (const kind of ['readinessProbe', 'livenessProbe'] as const) {
        if (!container[kind]?.httpGet) {
          context.report(
            'probes',
            workload.object,
            `${container.name}: ${kind} must be an httpGet on the app's /health endpoints`,
          );
        }
      }
      for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
        const httpGet = container[kind]?.httpGet;
        if (!httpGet) {
          continue;
        }
        const routes = appRoutes(app);
        if (!servesGet(app, httpGet.path)) {
          context.report(
            'probes',
            workload.object,
            `${container.name}: ${kind} GET ${httpGet.path} is not served by ${app} (${routes.source}: ${routes.routes.map((route) => `${route.method} ${route.path}`).join(', ')})`,
          );
        }
        const target = containerPort(workload, httpGet.port, container);
        if (
          target === undefined ||
          !(container.ports ?? []).some((declared) => declared.containerPort === target)
        ) {
          context.report(
            'probes',
            workload.object,
            `${container.name}: ${kind} port "${httpGet.port}" is not a declared port of this container`,
          );
        } else if (target !== port) {
          context.report(
            'probes',
            workload.object,
            `${container.name}: ${kind} targets port ${target} but ${app} listens on PORT=${port}`,
          );
        }
      }
      // Readiness runs the SQS and database checks; the probe must outlast their own timeouts.
      const readinessTimeoutMs = (container.readinessProbe?.timeoutSeconds ?? 1) * 1000;
      const dependencyTimeoutMs = Math.max(
        Number(config?.SQS_REQUEST_TIMEOUT_MS ?? 0),
        Number(config?.DB_CONNECT_TIMEOUT_MS ?? 0),
      );
      if (config && readinessTimeoutMs <= dependencyTimeoutMs) {
        context.report(
          'probes',
          workload.object,
          `${container.name}: readinessProbe.timeoutSeconds ${readinessTimeoutMs / 1000}s must exceed the app's dependency timeouts (${dependencyTimeoutMs} ms)`,
        );
      }
    }
  }
}

function securityContext(context: Context): void {
  for (const workload of context.workloads) {
    const pod = workload.podSpec;
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) {
      context.report('security-context', workload.object, 'host namespaces are not allowed');
    }
    if (pod.automountServiceAccountToken !== false) {
      context.report(
        'security-context',
        workload.object,
        'automountServiceAccountToken must be false: no app talks to the Kubernetes API',
      );
    }
    const volumes: Json[] = pod.volumes ?? [];
    for (const container of workload.all) {
      const own = container.securityContext ?? {};
      const runAsNonRoot = own.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
      const runAsUser = own.runAsUser ?? pod.securityContext?.runAsUser;
      const seccomp = own.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
      const problems = [
        runAsNonRoot !== true && 'runAsNonRoot: true',
        runAsUser === 0 && 'a non-zero runAsUser',
        seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost' && 'seccompProfile RuntimeDefault',
        own.allowPrivilegeEscalation !== false && 'allowPrivilegeEscalation: false',
        own.readOnlyRootFilesystem !== true && 'readOnlyRootFilesystem: true',
        !(own.capabilities?.drop ?? []).includes('ALL') && 'capabilities.drop: [ALL]',
        (own.capabilities?.add ?? []).length > 0 && 'no added capabilities',
        own.privileged === true && 'privileged: false',
      ].filter(Boolean);
      if (problems.length > 0) {
        context.report(
          'security-context',
          workload.object,
          `${container.name}: needs ${problems.join(', ')}`,
        );
      }
      // Node writes nothing but /tmp; with a read-only root it needs a writable /tmp.
      const tmp = (container.volumeMounts ?? []).find((mount) => mount.mountPath === '/tmp');
      if (
        own.readOnlyRootFilesystem === true &&
        (!tmp || !volumes.find((volume) => volume.name === tmp.name)?.emptyDir)
      ) {
        context.report(
          'security-context',
          workload.object,
          `${container.name}: mount an emptyDir at /tmp (the root filesystem is read-only)`,
        );
      }
    }
  }
}

function serviceAccounts(context: Context): void {
  for (const build of context.builds) {
    for (const workload of build.workloads) {
      const name: string | undefined = workload.podSpec.serviceAccountName;
      const account = context
        .ofKind('ServiceAccount', build.objects)
        .find((object) => object.metadata.name === name);
      if (!name || name === 'default') {
        context.report(
          'service-account',
          workload.object,
          "set serviceAccountName to the workload's own ServiceAccount",
        );
        continue;
      }
      if (!account) {
        context.report(
          'service-account',
          workload.object,
          `ServiceAccount "${name}" is not in the same build (${build.label})`,
        );
        continue;
      }
      const needsAws = workload.all.some((container) =>
        AWS_APPS.includes(containerApp(container) as AppName),
      );
      const role: string | undefined = account.metadata.annotations?.['eks.amazonaws.com/role-arn'];
      if (needsAws && !/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role ?? '')) {
        context.report(
          'service-account',
          account,
          'needs an eks.amazonaws.com/role-arn annotation (IRSA) naming its IAM role',
        );
      }
      if (!needsAws && role) {
        context.report(
          'service-account',
          account,
          'has an IAM role but its pods do not call AWS: remove it (least privilege)',
        );
      }
    }
  }
}

// The role's documents must be what the containers using it call, no more: the sidecar with its
// admin API on redrives and purges with the pod's role, so that role then needs the operator's too.
function iamPolicies(context: Context): void {
  for (const build of context.builds) {
    for (const workload of build.workloads) {
      const account = context
        .ofKind('ServiceAccount', build.objects)
        .find((object) => object.metadata.name === workload.podSpec.serviceAccountName);
      const annotations = account?.metadata.annotations ?? {};
      if (!account || !annotations['eks.amazonaws.com/role-arn']) {
        continue;
      }
      const needed = new Map<string, string>();
      for (const container of workload.all) {
        const app = containerApp(container);
        const document = app && POLICY_DOCUMENTS[app];
        if (document) {
          needed.set(document, `${container.name} (${app})`);
        }
        if (
          app === 'dlq-sidecar' &&
          context.env(container, workload).names.has('ADMIN_API_KEY_SHA256')
        ) {
          needed.set(
            POLICY_DOCUMENTS['dlq-cli'] as string,
            `${container.name}'s admin API (ADMIN_API_KEY_SHA256 is set: it redrives and purges with this role)`,
          );
        }
      }
      const listed: string[] = (annotations[IAM_POLICIES_ANNOTATION] ?? '')
        .split(/[\s,]+/)
        .filter(Boolean);
      const report = (message: string): void => context.report('iam-policies', account, message);
      if (listed.length === 0) {
        report(
          `name the k8s/iam documents attached to its role in the ${IAM_POLICIES_ANNOTATION} annotation`,
        );
        continue;
      }
      listed
        .filter((document) => !existsSync(path.join(K8S_ROOT, 'iam', document)))
        .forEach((document) => report(`${document} is not in k8s/iam`));
      for (const [document, user] of needed) {
        if (!listed.includes(document)) {
          report(
            `${workload.id}: ${user} needs ${document}, which ${IAM_POLICIES_ANNOTATION} does not list: attach it to ${annotations['eks.amazonaws.com/role-arn']} and list it`,
          );
        }
      }
      for (const document of listed.filter((item) => !needed.has(item))) {
        report(
          `lists ${document}, which no container of ${workload.id} needs: detach it (least privilege)`,
        );
      }
    }
  }
}

function services(context: Context): void {
  for (const build of context.builds) {
    for (const service of context.ofKind('Service', build.objects)) {
      const selected = build.workloads.filter((workload) =>
        selectorMatches({ matchLabels: service.spec?.selector }, workload.podLabels),
      );
      if (selected.length === 0) {
        context.report(
          'service-selector',
          service,
          `selector ${JSON.stringify(service.spec?.selector)} matches no pod template`,
        );
        continue;
      }
      for (const port of service.spec?.ports ?? []) {
        const target = port.targetPort ?? port.port;
        if (
          !selected.every((workload) =>
            workload.longRunning.some((container) =>
              (container.ports ?? []).some(
                (item) => item.name === target || item.containerPort === target,
              ),
            ),
          )
        ) {
          context.report(
            'service-selector',
            service,
            `targetPort ${target} is not a container port of every selected pod`,
          );
        }
      }
    }
  }
}

function disruptionBudgets(context: Context): void {
  for (const build of context.builds) {
    for (const budget of context.ofKind('PodDisruptionBudget', build.objects)) {
      const selected = build.workloads.filter((workload) =>
        selectorMatches(budget.spec?.selector, workload.podLabels),
      );
      if (selected.length !== 1) {
        context.report(
          'pdb',
          budget,
          `selector must match exactly one workload, matches ${selected.length}`,
        );
        continue;
      }
      const { min } = replicaBounds(selected[0], build.objects);
      if (min === 0) {
        continue;
      }
      const { minAvailable, maxUnavailable } = budget.spec;
      const resolve = (value: number | string): number =>
        typeof value === 'string' && value.endsWith('%')
          ? Math.ceil((Number.parseFloat(value) / 100) * min)
          : Number(value);
      const disruptions =
        maxUnavailable !== undefined ? resolve(maxUnavailable) : min - resolve(minAvailable ?? 0);
      if (!(disruptions >= 1)) {
        context.report(
          'pdb',
          budget,
          `allows no eviction at the minimum of ${min} replicas: node drains would block`,
        );
      }
    }
  }
}

function autoscaling(context: Context): void {
  const targets = new Map<string, string[]>();
  for (const object of [
    ...context.ofKind('HorizontalPodAutoscaler'),
    ...context.ofKind('ScaledObject'),
  ]) {
    const reference = object.spec?.scaleTargetRef ?? {};
    const kind: string = reference.kind ?? 'Deployment';
    const workload = context.workloadNamed(kind, reference.name, context.input.app);
    if (!workload) {
      context.report(
        'autoscaling',
        object,
        `scaleTargetRef ${kind}/${reference.name} is not in the build (a name prefix not applied to the reference?)`,
      );
      continue;
    }
    targets.set(workload.id, [...(targets.get(workload.id) ?? []), objectId(object)]);
    if (workload.object.spec?.replicas !== undefined) {
      context.report(
        'autoscaling',
        workload.object,
        `sets spec.replicas while ${objectId(object)} owns the count: every apply would reset it`,
      );
    }
  }
  for (const [workload, owners] of targets) {
    if (owners.length > 1) {
      context.report(
        'autoscaling',
        workload,
        `scaled by ${owners.join(' and ')}: one autoscaler per workload`,
      );
    }
  }
  for (const hpa of context.ofKind('HorizontalPodAutoscaler')) {
    if (!(hpa.spec.minReplicas <= hpa.spec.maxReplicas)) {
      context.report('autoscaling', hpa, 'minReplicas must not exceed maxReplicas');
    }
  }
}

function keda(context: Context): void {
  const metricNames = appMetricNames();
  for (const scaled of context.ofKind('ScaledObject')) {
    const spec = scaled.spec ?? {};
    const report = (message: string): void => context.report('keda', scaled, message);
    const target = context.workloadNamed(
      spec.scaleTargetRef?.kind ?? 'Deployment',
      spec.scaleTargetRef?.name,
      context.input.app,
    );
    if (!target) {
      continue; // reported by autoscaling
    }
    const processor = target.longRunning.find(
      (container) =>
        container.name ===
        (spec.scaleTargetRef.envSourceContainerName ?? target.podSpec.containers?.[0]?.name),
    );
    if (!processor) {
      report(
        `envSourceContainerName "${spec.scaleTargetRef.envSourceContainerName}" is not a container of ${target.id}`,
      );
      continue;
    }
    const env = context.env(processor, target).values;
    const config = context.config(processor, target);

    if (!(spec.minReplicaCount <= spec.maxReplicaCount)) {
      report('minReplicaCount and maxReplicaCount must be set, min <= max');
    }
    // The processor's own pool check (MAX_REPLICAS with DB_MAX_CONNECTIONS) must know KEDA's bound.
    if (config?.MAX_REPLICAS !== undefined && Number(config.MAX_REPLICAS) < spec.maxReplicaCount) {
      report(
        `the processor's MAX_REPLICAS ${String(config.MAX_REPLICAS)} is below maxReplicaCount ${spec.maxReplicaCount}`,
      );
    }
    for (const field of ['pollingInterval', 'cooldownPeriod']) {
      if (!Number.isInteger(spec[field])) {
        report(`${field} must be set`);
      }
    }
    if (!(spec.fallback?.failureThreshold > 0 && spec.fallback?.replicas > 0)) {
      report(
        'fallback (failureThreshold, replicas) must be set: scaling must not stop when a metric source fails',
      );
    }
    const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
    if (!(behavior?.scaleDown?.stabilizationWindowSeconds >= 60) || !behavior?.scaleUp) {
      report(
        'advanced.horizontalPodAutoscalerConfig.behavior needs scaleUp and a calm scaleDown (stabilizationWindowSeconds >= 60)',
      );
    }

    const triggers: Json[] = spec.triggers ?? [];
    const byName = new Map<string, Json>(triggers.map((trigger) => [trigger.name, trigger]));
    triggers
      .filter((trigger) => !trigger.name)
      .forEach((trigger) =>
        report(`trigger ${trigger.type} needs a name (scalingModifiers refer to triggers by name)`),
      );
    for (const trigger of triggers.filter((item) => item.authenticationRef)) {
      const auth = context
        .ofKind('TriggerAuthentication', context.input.app)
        .find((object) => object.metadata.name === trigger.authenticationRef.name);
      if (!auth) {
        report(
          `trigger ${trigger.name}: TriggerAuthentication "${trigger.authenticationRef.name}" is not in the build`,
        );
        continue;
      }
      if (auth.spec?.podIdentity?.provider !== 'aws') {
        context.report(
          'keda',
          auth,
          'use podIdentity.provider: aws (IRSA / EKS Pod Identity), not static credentials',
        );
      }
      for (const field of [
        'secretTargetRef',
        'env',
        'hashiCorpVault',
        'azureKeyVault',
        'awsSecretManager',
        'gcpSecretManager',
      ]) {
        if (auth.spec?.[field]) {
          context.report(
            'keda',
            auth,
            `${field}: no static keys; the scaler role comes from pod identity`,
          );
        }
      }
    }

    const queueUrl = env.ORDERS_QUEUE_URL;
    const queue = triggers.find((trigger) => trigger.type === 'aws-sqs-queue');
    if (!queue) {
      report('needs an aws-sqs-queue trigger');
    } else {
      const watched =
        queue.metadata?.queueURL ??
        (queue.metadata?.queueURLFromEnv ? env[queue.metadata.queueURLFromEnv] : undefined);
      if (watched !== queueUrl) {
        report(
          `aws-sqs-queue watches "${watched}" but the processor consumes ORDERS_QUEUE_URL="${queueUrl}"`,
        );
      }
      if (queue.metadata?.awsRegion !== env.AWS_REGION) {
        report(
          `aws-sqs-queue awsRegion "${queue.metadata?.awsRegion}" differs from AWS_REGION "${env.AWS_REGION}"`,
        );
      }
      if (queue.metadata?.awsEndpoint) {
        report('aws-sqs-queue: awsEndpoint is for emulators, not a cluster');
      }
      for (const field of ['queueLength', 'activationQueueLength']) {
        if (!(Number(queue.metadata?.[field]) > 0)) {
          report(`aws-sqs-queue needs ${field}`);
        }
      }
      if (queue.metadata?.scaleOnInFlight !== 'true') {
        report(
          'aws-sqs-queue: scaleOnInFlight must be "true" so messages being processed keep their replicas',
        );
      }
      const perReplica = Number(config?.POLLERS) * Number(config?.SQS_BATCH_SIZE);
      if (Number(queue.metadata?.queueLength) > perReplica) {
        report(
          `queueLength ${queue.metadata.queueLength} exceeds POLLERS x SQS_BATCH_SIZE = ${perReplica}: busy replicas would count as less than one and steady load would shrink them into a backlog`,
        );
      }
    }

    const age = triggers.find(
      (trigger) =>
        trigger.type === 'aws-cloudwatch' &&
        trigger.metadata?.metricName === 'ApproximateAgeOfOldestMessage',
    );
    if (!age) {
      report(
        'needs an aws-cloudwatch trigger on ApproximateAgeOfOldestMessage (a trickle of old orders must still get capacity)',
      );
    } else {
      const queueName = parseQueueUrl(queueUrl)?.name;
      if (
        age.metadata.namespace !== 'AWS/SQS' ||
        age.metadata.dimensionName !== 'QueueName' ||
        age.metadata.dimensionValue !== queueName
      ) {
        report(
          `age trigger must read AWS/SQS QueueName=${queueName}, reads ${age.metadata.namespace} ${age.metadata.dimensionName}=${age.metadata.dimensionValue}`,
        );
      }
      if (age.metadata.awsRegion !== env.AWS_REGION) {
        report(
          `age trigger awsRegion "${age.metadata.awsRegion}" differs from AWS_REGION "${env.AWS_REGION}"`,
        );
      }
      if (!(Number(age.metadata.targetMetricValue) > 0)) {
        report('age trigger needs targetMetricValue (seconds of age per replica)');
      }
    }

    const paused = triggers.find(
      (trigger) =>
        trigger.type === 'prometheus' && /processor_paused/.test(trigger.metadata?.query ?? ''),
    );
    if (!paused) {
      report(
        'needs a prometheus trigger on processor_paused: replicas must hold while the database is down',
      );
    } else {
      const namespace = /namespace="([^"]*)"/.exec(paused.metadata.query)?.[1];
      if (namespace !== scaled.metadata.namespace) {
        report(
          `paused query reads namespace "${namespace}", the processors run in "${scaled.metadata.namespace}"`,
        );
      }
      if (!metricNames.has('processor_paused')) {
        report('the processor no longer exports processor_paused: the hold-back reads nothing');
      }
      if (!paused.metadata.serverAddress) {
        report('paused trigger needs serverAddress');
      }
    }

    const pods = triggers.find((trigger) => trigger.type === 'kubernetes-workload');
    if (!pods) {
      report(
        'needs a kubernetes-workload trigger counting the processor pods (what "hold" means in the formula)',
      );
    } else {
      const selector = parseEqualitySelector(pods.metadata?.podSelector ?? '');
      const matching = context.workloads.filter((workload) =>
        selectorMatches(selector, workload.podLabels),
      );
      if (matching.length !== 1 || matching[0] !== target) {
        report(
          `kubernetes-workload podSelector "${pods.metadata?.podSelector}" must select the processor pods only, selects ${matching.map((workload) => workload.id).join(', ') || 'nothing'}`,
        );
      }
    }

    const modifiers = spec.advanced?.scalingModifiers;
    if (!modifiers?.formula) {
      report(
        'needs advanced.scalingModifiers combining queue depth, age and the database hold-back',
      );
      continue;
    }
    let formula: Formula;
    try {
      formula = new Formula(modifiers.formula);
    } catch (error) {
      report((error as Error).message);
      continue;
    }
    const unknown = formula.variables.filter((name) => !byName.has(name));
    const unused = [...byName.keys()].filter((name) => !formula.variables.includes(name));
    if (unknown.length > 0 || unused.length > 0) {
      report(
        `formula and triggers disagree: unknown names [${unknown.join(', ')}], unused triggers [${unused.join(', ')}]`,
      );
      continue;
    }
    if (!queue || !age || !paused || !pods) {
      continue;
    }
    const variables = (
      values: Partial<Record<'queue' | 'age' | 'paused' | 'pods', number>>,
    ): Record<string, number> => ({
      [queue.name]: values.queue ?? 0,
      [age.name]: values.age ?? 0,
      [paused.name]: values.paused ?? 0,
      [pods.name]: values.pods ?? 1,
    });
    const queueLength = Number(queue.metadata.queueLength);
    const ageTarget = Number(age.metadata.targetMetricValue);
    const composite = Number(modifiers.target);
    const close = (a: number, b: number): boolean =>
      Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
    if (composite !== queueLength) {
      report(
        `scalingModifiers.target ${modifiers.target} must equal queueLength ${queueLength} (the formula is in messages)`,
      );
    }
    if (Number(modifiers.activationTarget) !== Number(queue.metadata.activationQueueLength)) {
      report(
        `scalingModifiers.activationTarget ${modifiers.activationTarget} must equal activationQueueLength ${queue.metadata.activationQueueLength}`,
      );
    }
    for (const depth of [0, 1, queueLength, 7 * queueLength + 3]) {
      const value = formula.evaluate(variables({ queue: depth, pods: 2 }));
      if (!close(value, depth)) {
        report(
          `formula with queue=${depth}, age=0, database up gives ${value}, expected ${depth} (queue depth drives scaling)`,
        );
      }
    }
    // A trickle: one queued order that has waited long gets capacity from the age term.
    for (const multiple of [1, 2, 3.5]) {
      const value = formula.evaluate(variables({ queue: 1, age: multiple * ageTarget, pods: 2 }));
      const expected = Math.max(1, multiple * composite);
      if (!close(value, expected)) {
        report(
          `formula with one queued order ${multiple * ageTarget}s old gives ${value}, expected ${expected} (one replica per ${ageTarget}s of age)`,
        );
      }
    }
    for (const current of [0, 1, spec.minReplicaCount ?? 1, spec.maxReplicaCount ?? 1]) {
      const value = formula.evaluate(
        variables({
          queue: 1000 * queueLength,
          age: 100 * ageTarget,
          paused: 1,
          pods: current,
        }),
      );
      if (Math.ceil(value / composite - 1e-9) > current) {
        report(
          `formula while the database is down (paused=1) asks for ${Math.ceil(value / composite)} replicas with ${current} running: it must not grow`,
        );
      }
    }
  }
}

function gracePeriods(context: Context): void {
  for (const workload of context.workloads) {
    if (isOneOff(workload)) {
      continue;
    }
    const grace: number = workload.podSpec.terminationGracePeriodSeconds ?? 30;
    // Kubernetes stops the main containers first and native sidecars after them, all within one
    // grace period: the shutdown deadlines of both add up.
    let deadlines = 0;
    const parts: string[] = [];
    for (const container of workload.longRunning) {
      const app = containerApp(container);
      const config = context.config(container, workload);
      const deadline = app && config ? shutdownDeadlineMs(app, config) : undefined;
      if (deadline !== undefined) {
        deadlines += deadline;
        parts.push(`${container.name} ${deadline / 1000}s`);
      }
      if (app === 'processor' && config) {
        const needed =
          Number(config.VISIBILITY_TIMEOUT_SECONDS) + Number(config.DRAIN_BUDGET_MS) / 1000;
        if (grace < needed) {
          context.report(
            'grace-period',
            workload.object,
            `terminationGracePeriodSeconds ${grace} < VISIBILITY_TIMEOUT_SECONDS + DRAIN_BUDGET_MS = ${needed}s: SIGKILL would cut the drain`,
          );
        }
      }
    }
    if (grace * 1000 < deadlines) {
      context.report(
        'grace-period',
        workload.object,
        `terminationGracePeriodSeconds ${grace} < the containers' own shutdown deadlines (${parts.join(' + ')})`,
      );
    }
  }
}

function appConfig(context: Context): void {
  for (const workload of context.workloads) {
    for (const container of workload.all) {
      const app = containerApp(container);
      if (!app) {
        continue;
      }
      const resolved = context.env(container, workload);
      resolved.problems.forEach((problem) =>
        context.report('config', workload.object, `${container.name}: ${problem}`),
      );
      const known = knownConfigKeys(app);
      for (const name of resolved.names) {
        if (!known.has(name) && !RUNTIME_VARIABLES.test(name)) {
          context.report(
            'config',
            workload.object,
            `${container.name}: ${name} is not read by ${app}'s config class (typo?)`,
          );
        }
      }
      for (const key of requiredConfigKeys(app)) {
        const optionalSecret = resolved.secrets.find(
          (secret) => secret.variable === key && secret.optional,
        );
        if (!resolved.names.has(key) || optionalSecret) {
          context.report(
            'config',
            workload.object,
            `${container.name}: ${key} is required by ${app} and not set`,
          );
        }
      }
      if (resolved.names.has('SQS_ENDPOINT')) {
        context.report(
          'config',
          workload.object,
          `${container.name}: SQS_ENDPOINT is for emulators; it must be unset in AWS`,
        );
      }
      for (const problem of configProblems(app, resolved.values)) {
        context.report(
          'config',
          workload.object,
          `${container.name}: the app would refuse to start: ${problem}`,
        );
      }
      for (const key of ['ORDERS_QUEUE_URL', 'ORDERS_DLQ_URL']) {
        if (!resolved.names.has(key)) {
          continue;
        }
        const queue = parseQueueUrl(resolved.values[key]);
        if (!queue) {
          context.report(
            'config',
            workload.object,
            `${container.name}: ${key} "${resolved.values[key]}" is not an SQS URL (https://sqs.<region>.amazonaws.com/<account>/<name>)`,
          );
        } else if (queue.region !== resolved.values.AWS_REGION) {
          context.report(
            'config',
            workload.object,
            `${container.name}: ${key} is in ${queue.region}, AWS_REGION is ${resolved.values.AWS_REGION}`,
          );
        }
      }
    }
  }
}

function accounts(context: Context): void {
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
    context.report(
      'accounts',
      context.input.name,
      `one environment, one AWS account: found ${[...seen].map(([account, where]) => `${account} (${where})`).join(', ')}`,
    );
  }
}

function databaseBudget(context: Context): void {
  const namespaces = context.ofKind('Namespace', context.input.app);
  const budget = Number(namespaces[0]?.metadata.annotations?.[DB_BUDGET_ANNOTATION]);
  if (!Number.isInteger(budget) || budget <= 0) {
    context.report(
      'db-budget',
      namespaces[0] ?? context.input.name,
      `the Namespace must state the environment's connection budget in the ${DB_BUDGET_ANNOTATION} annotation`,
    );
    return;
  }
  let total = 0;
  const parts: string[] = [];
  for (const workload of context.workloads) {
    const bounds = replicaBounds(workload, context.buildOf(workload).objects);
    // A rolling update runs maxSurge extra pods (default 25 %, rounded up) next to the maximum.
    const surgeSetting =
      workload.object.kind === 'Deployment'
        ? (workload.object.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%')
        : 0;
    const surge =
      typeof surgeSetting === 'string'
        ? Math.ceil((Number.parseFloat(surgeSetting) / 100) * bounds.max)
        : Number(surgeSetting);
    const max = bounds.max + surge;
    const by = surge > 0 ? `${bounds.by} + ${surge} surge` : bounds.by;
    const pools =
      workload.longRunning.length > 0 && !isOneOff(workload)
        ? workload.longRunning
        : (workload.podSpec.containers ?? []);
    for (const container of pools) {
      const config = context.config(container, workload);
      if (!config || !context.env(container, workload).names.has('DATABASE_URL')) {
        continue;
      }
      const pool = Number(config.DB_POOL_SIZE);
      total += pool * max;
      parts.push(`${workload.object.metadata.name}/${container.name} ${pool} x ${max} (${by})`);
    }
  }
  if (total > budget) {
    context.report(
      'db-budget',
      namespaces[0],
      `DB_POOL_SIZE x max replicas = ${total} connections > budget ${budget}: ${parts.join(' + ')}`,
    );
  }
}

function ingress(context: Context): void {
  for (const object of context.ofKind('Ingress')) {
    if (!object.spec?.ingressClassName) {
      context.report('ingress', object, 'set ingressClassName');
    }
    for (const rule of object.spec?.rules ?? []) {
      for (const route of rule.http?.paths ?? []) {
        const backend = route.backend?.service;
        const service = context
          .ofKind('Service', context.input.app)
          .find((item) => item.metadata.name === backend?.name);
        if (!service) {
          context.report(
            'ingress',
            object,
            `${route.path}: backend Service "${backend?.name}" is not in the build`,
          );
          continue;
        }
        if (
          !(service.spec.ports ?? []).some(
            (port: Json) => port.name === backend.port?.name || port.port === backend.port?.number,
          )
        ) {
          context.report(
            'ingress',
            object,
            `${route.path}: Service ${service.metadata.name} has no port ${JSON.stringify(backend.port)}`,
          );
        }
        // Internal endpoints stay internal.
        if (
          route.path === '/' ||
          ['/metrics', '/health'].some(
            (internal) => internal.startsWith(route.path) || route.path.startsWith(internal),
          )
        ) {
          context.report(
            'ingress',
            object,
            `${route.path} exposes /metrics or /health publicly: route the API paths only`,
          );
        }
        const selected = workloads(context.input.app).filter((workload) =>
          selectorMatches({ matchLabels: service.spec.selector }, workload.podLabels),
        );
        const apps = selected
          .flatMap((workload) => workload.longRunning.map(containerApp))
          .filter(Boolean) as AppName[];
        if (
          !apps.some((app) =>
            appRoutes(app).routes.some(
              (served) => served.path === route.path || served.path.startsWith(`${route.path}/`),
            ),
          )
        ) {
          context.report(
            'ingress',
            object,
            `${route.path}: no route of ${apps.join(', ') || 'the backend'} lives under this path`,
          );
        }
      }
    }
  }
}

function networkPolicies(context: Context): void {
  const policies = context.ofKind('NetworkPolicy');
  if (policies.length === 0) {
    return;
  }
  const selects = (policy: K8sObject, workload: Workload): boolean =>
    selectorMatches(policy.spec?.podSelector ?? {}, workload.podLabels) ||
    Object.keys(policy.spec?.podSelector ?? {}).length === 0;
  const defaultDeny = policies.find(
    (policy) =>
      Object.keys(policy.spec?.podSelector ?? {}).length === 0 &&
      ['Ingress', 'Egress'].every((type) => (policy.spec?.policyTypes ?? []).includes(type)) &&
      !policy.spec?.ingress &&
      !policy.spec?.egress,
  );
  if (!defaultDeny) {
    context.report(
      'network-policies',
      context.input.name,
      'NetworkPolicies need a default deny (podSelector {}, Ingress and Egress, no rules)',
    );
  }
  for (const policy of policies) {
    if (!context.workloads.some((workload) => selects(policy, workload))) {
      context.report('network-policies', policy, 'selects no pod of this environment');
    }
  }
  // A rule without "to" reaches every destination; otherwise one of its peers must fit.
  const allowsEgress = (
    workload: Workload,
    port: number,
    peerFits: (peer: Json) => boolean = () => true,
  ): boolean =>
    policies.some(
      (policy) =>
        selects(policy, workload) &&
        (policy.spec?.egress ?? []).some(
          (rule: Json) =>
            (rule.ports ?? []).some((item: Json) => item.port === port) &&
            ((rule.to ?? []).length === 0 || rule.to.some(peerFits)),
        ),
    );
  for (const workload of context.workloads) {
    if (!allowsEgress(workload, 53)) {
      context.report('network-policies', workload.object, 'no egress to DNS (port 53)');
    }
    const apps = workload.all.map(containerApp);
    if (
      workload.all.some((container) =>
        context.env(container, workload).names.has('DATABASE_URL'),
      ) &&
      !allowsEgress(workload, 5432)
    ) {
      context.report(
        'network-policies',
        workload.object,
        'uses DATABASE_URL but no egress to PostgreSQL (5432) is allowed',
      );
    }
    if (apps.some((app) => AWS_APPS.includes(app as AppName)) && !allowsEgress(workload, 443)) {
      context.report(
        'network-policies',
        workload.object,
        'calls AWS but no egress to 443 is allowed',
      );
    }
    for (const service of context
      .ofKind('Service')
      .filter((item) =>
        selectorMatches({ matchLabels: item.spec?.selector }, workload.podLabels),
      )) {
      for (const port of service.spec.ports ?? []) {
        const number = containerPort(workload, port.targetPort ?? port.port);
        const allowed = policies.some(
          (policy) =>
            selects(policy, workload) &&
            (policy.spec?.ingress ?? []).some((rule: Json) =>
              (rule.ports ?? []).some((item: Json) => item.port === number),
            ),
        );
        if (!allowed) {
          context.report(
            'network-policies',
            workload.object,
            `Service ${service.metadata.name} sends to port ${number} but no ingress rule admits it`,
          );
        }
      }
    }
  }
  // One database per environment: an overlay that moves it must move every policy's 5432 rule.
  const databasePeers = new Map<string, string>();
  for (const policy of policies) {
    for (const rule of policy.spec?.egress ?? []) {
      if ((rule.ports ?? []).some((item: Json) => item.port === 5432)) {
        databasePeers.set(JSON.stringify(rule.to ?? []), objectId(policy));
      }
    }
  }
  if (databasePeers.size > 1) {
    context.report(
      'network-policies',
      context.input.name,
      `egress to PostgreSQL (5432) names different peers: ${[...databasePeers].map(([peers, policy]) => `${policy} ${peers}`).join(', ')}`,
    );
  }
  // Where the dlq-sidecar sends alerts: Alertmanager in the cluster, a webhook outside it.
  for (const workload of context.workloads) {
    for (const container of workload.longRunning) {
      if (containerApp(container) !== 'dlq-sidecar') {
        continue;
      }
      const resolved = context.env(container, workload);
      for (const key of ['ALERTMANAGER_URL', 'ALERT_WEBHOOK_URL']) {
        if (!resolved.names.has(key)) {
          continue;
        }
        // From a Secret the URL is unknown here: a Slack-style https webhook outside the cluster.
        const fromSecret = resolved.secrets.some((secret) => secret.variable === key);
        const url = new URL(fromSecret ? 'https://webhook.outside.example' : resolved.values[key]);
        const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
        const inCluster = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(url.hostname);
        const allowed = inCluster
          ? allowsEgress(workload, port, (peer) =>
              selectorMatches(peer.namespaceSelector, {
                'kubernetes.io/metadata.name': inCluster[1],
              }),
            )
          : allowsEgress(workload, port, (peer) =>
              /^0\.0\.0\.0\/0$/.test(peer.ipBlock?.cidr ?? ''),
            );
        if (!allowed) {
          context.report(
            'network-policies',
            workload.object,
            inCluster
              ? `${container.name}: ${key} ${url.host} needs egress to namespace ${inCluster[1]} on port ${port}`
              : `${container.name}: ${key}${fromSecret ? ' (from a Secret, taken as an https webhook outside the cluster)' : ` ${url.host}`} needs egress to 0.0.0.0/0 on port ${port}`,
          );
        }
      }
    }
  }
}

function monitoring(context: Context): void {
  const metricNames = appMetricNames();
  for (const monitor of context.ofKind('ServiceMonitor')) {
    const servicesSelected = context
      .ofKind('Service', context.input.app)
      .filter((service) => selectorMatches(monitor.spec?.selector, service.metadata.labels ?? {}));
    if (servicesSelected.length === 0) {
      context.report('monitoring', monitor, 'selector matches no Service labels');
    }
    for (const service of servicesSelected) {
      const pods = workloads(context.input.app).filter((workload) =>
        selectorMatches({ matchLabels: service.spec.selector }, workload.podLabels),
      );
      for (const endpoint of monitor.spec.endpoints ?? []) {
        if (!(service.spec.ports ?? []).some((port: Json) => port.name === endpoint.port)) {
          context.report(
            'monitoring',
            monitor,
            `endpoint port "${endpoint.port}" is not a named port of Service ${service.metadata.name}`,
          );
        }
        const apps = pods
          .flatMap((workload) => workload.longRunning.map(containerApp))
          .filter(Boolean) as AppName[];
        if (!apps.every((app) => servesGet(app, endpoint.path ?? '/metrics'))) {
          context.report(
            'monitoring',
            monitor,
            `scrapes ${endpoint.path ?? '/metrics'}, which ${apps.join(', ')} does not serve`,
          );
        }
      }
    }
  }
  for (const monitor of context.ofKind('PodMonitor')) {
    const selected = context.workloads.filter((workload) =>
      selectorMatches(monitor.spec?.selector, workload.podLabels),
    );
    if (selected.length === 0) {
      context.report('monitoring', monitor, 'selector matches no pod template');
    }
    for (const workload of selected) {
      for (const endpoint of monitor.spec.podMetricsEndpoints ?? []) {
        const container = workload.longRunning.find((item) =>
          (item.ports ?? []).some((port) => port.name === endpoint.port),
        );
        const app = container && containerApp(container);
        if (!container || !app) {
          context.report(
            'monitoring',
            monitor,
            `port "${endpoint.port}" is not a named port of ${workload.id}`,
          );
        } else if (!servesGet(app, endpoint.path ?? '/metrics')) {
          context.report(
            'monitoring',
            monitor,
            `scrapes ${endpoint.path ?? '/metrics'} on ${container.name}, which ${app} does not serve`,
          );
        }
      }
    }
  }
  const expressions: Array<{ object: K8sObject; expr: string }> = [
    ...context.ofKind('PrometheusRule').flatMap((rule) =>
      (rule.spec?.groups ?? []).flatMap((group: Json) =>
        (group.rules ?? []).map((item: Json) => ({
          object: rule,
          expr: String(item.expr),
        })),
      ),
    ),
    ...context.ofKind('ScaledObject').flatMap((scaled) =>
      (scaled.spec?.triggers ?? [])
        .filter((trigger: Json) => trigger.type === 'prometheus')
        .map((trigger: Json) => ({
          object: scaled,
          expr: String(trigger.metadata?.query),
        })),
    ),
  ];
  for (const { object, expr } of expressions) {
    // Series named after the apps' own prefixes must exist in the apps' code.
    for (const match of expr.matchAll(
      /\b((?:orders|processor|sqs|dlq|db|http_request)_[a-z0-9_]+)\b/g,
    )) {
      if (!metricNames.has(match[1])) {
        context.report(
          'monitoring',
          object,
          `${match[1]} is not exported by any app (known: grep prom-client in apps/ and libs/)`,
        );
      }
    }
  }
}

function migration(context: Context): void {
  const jobs = context.ofKind('Job', context.input.migrate);
  const migrateJobs = context.workloads.filter((workload) =>
    workload.all.some((container) => containerApp(container) === 'migrate'),
  );
  if (jobs.length !== 1 || migrateJobs.length !== 1 || migrateJobs[0].object !== jobs[0]) {
    context.report(
      'migration',
      context.input.name,
      `the migrate overlay must hold exactly one Job running migrate.js (found ${jobs.length} Job(s); ${migrateJobs.length} workload(s) run migrate.js)`,
    );
    return;
  }
  const job = migrateJobs[0];
  const migrateImage = job.all.find((container) => containerApp(container) === 'migrate')?.image;
  const processorImages = context
    .containersOfApp('processor')
    .map(({ container }) => container.image);
  if (processorImages.length === 0 || processorImages.some((image) => image !== migrateImage)) {
    context.report(
      'migration',
      job.object,
      `migrates with ${migrateImage} but the processor runs ${processorImages.join(', ')}: schema and code must come from one image`,
    );
  }
  const appNamespaces = context.ofKind('Namespace', context.input.app);
  const migrateNamespaces = context.ofKind('Namespace', context.input.migrate);
  if (
    appNamespaces.length !== 1 ||
    migrateNamespaces.length !== 1 ||
    !isDeepStrictEqual(appNamespaces[0], migrateNamespaces[0])
  ) {
    context.report(
      'migration',
      context.input.name,
      'overlays/<env>/namespace.yaml and overlays/<env>/migrate/namespace.yaml must declare the same Namespace (the migration may run first)',
    );
  }
}

// Commands of the DLQ CLI that change nothing (purge without --confirm only lists).
function changesNothing(args: string[]): boolean {
  const [command] = args;
  return (
    ['list', 'show', 'audit', 'help'].includes(command) ||
    (command === 'redrive' && args.includes('--dry-run')) ||
    (command === 'purge' && !args.includes('--confirm'))
  );
}

function oneOffJobs(context: Context): void {
  const sidecarImages = context
    .containersOfApp('dlq-sidecar')
    .map(({ container }) => container.image);
  for (const workload of context.workloads.filter(isOneOff)) {
    const spec = jobSpec(workload);
    if (
      !['Never', 'OnFailure'].includes(workload.podSpec.restartPolicy) ||
      spec?.backoffLimit === undefined ||
      !spec?.activeDeadlineSeconds
    ) {
      context.report(
        'one-off-jobs',
        workload.object,
        'a one-shot Job needs restartPolicy Never/OnFailure, backoffLimit and activeDeadlineSeconds',
      );
    }
    for (const container of workload.all) {
      if (containerApp(container) !== 'dlq-cli') {
        continue;
      }
      if (workload.object.kind === 'CronJob') {
        if (workload.object.spec?.suspend !== true) {
          context.report(
            'one-off-jobs',
            workload.object,
            'a CronJob running the DLQ CLI is a template for one-off operator Jobs: set suspend: true, or every schedule redrives',
          );
        }
        const args = [...(container.command ?? []), ...(container.args ?? [])];
        const cliArgs = args.slice(args.indexOf('cli.js') + 1);
        if (!changesNothing(cliArgs)) {
          context.report(
            'one-off-jobs',
            workload.object,
            `${container.name}: a Job created from the template without new args runs "${cliArgs.join(' ')}", which changes the DLQ: make the default a listing or a --dry-run`,
          );
        }
      }
      if (sidecarImages.length === 0 || sidecarImages.some((image) => image !== container.image)) {
        context.report(
          'one-off-jobs',
          workload.object,
          `${container.name}: runs ${container.image} but the dlq-sidecar runs ${sidecarImages.join(', ') || 'nowhere in this build'}: CLI and sidecar share the audit and ledger tables, one image`,
        );
      }
    }
  }
}

function secrets(context: Context): void {
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
              context.report(
                'secrets',
                workload.object,
                `${container.name}: Secret "${reference.secret}" is produced by no ExternalSecret in the same build`,
              );
            } else if (producer && reference.key && !keys.includes(reference.key)) {
              context.report(
                'secrets',
                workload.object,
                `${container.name}: ExternalSecret ${producer.metadata.name} does not write key ${reference.key}`,
              );
            }
          } else {
            const documented = MANUAL_SECRETS[reference.secret];
            if (!documented || (reference.key && !documented.includes(reference.key))) {
              context.report(
                'secrets',
                workload.object,
                `${container.name}: Secret "${reference.secret}" key "${reference.key}" is not among the Secrets the deploy guide tells operators to create`,
              );
            }
          }
        }
      }
    }
  }
}

function pods(context: Context): void {
  for (const workload of context.workloads) {
    const ports = workload.all.flatMap((container) => container.ports ?? []);
    const numbers = ports.map((port) => port.containerPort);
    const names = ports.map((port) => port.name).filter(Boolean);
    if (new Set(numbers).size !== numbers.length || new Set(names).size !== names.length) {
      context.report(
        'ports',
        workload.object,
        `containers of one pod share the network: ports ${numbers.join(', ')} and names ${names.join(', ')} must be unique`,
      );
    }
    for (const container of isOneOff(workload) ? [] : workload.longRunning) {
      const config = context.config(container, workload);
      if (
        config?.PORT !== undefined &&
        !(container.ports ?? []).some((port) => port.containerPort === config.PORT)
      ) {
        context.report(
          'ports',
          workload.object,
          `${container.name}: listens on PORT=${config.PORT} but declares ports ${(container.ports ?? []).map((port) => port.containerPort).join(', ') || 'none'}`,
        );
      }
    }
    if (workload.object.kind === 'Deployment') {
      const constraints: Json[] = workload.podSpec.topologySpreadConstraints ?? [];
      const zone = constraints.find(
        (constraint) => constraint.topologyKey === 'topology.kubernetes.io/zone',
      );
      if (!zone || !selectorMatches(zone.labelSelector, workload.podLabels)) {
        context.report(
          'topology-spread',
          workload.object,
          'needs a zone topologySpreadConstraint whose labelSelector matches its own pods',
        );
      }
    }
    if (workload.longRunning.some((container) => containerApp(container) === 'processor')) {
      const sidecar = (workload.podSpec.initContainers ?? []).find(
        (container: Container) => containerApp(container) === 'dlq-sidecar',
      );
      if (!sidecar || sidecar.restartPolicy !== 'Always') {
        context.report(
          'native-sidecar',
          workload.object,
          'the dlq-sidecar must run as a native sidecar: an initContainer with restartPolicy: Always',
        );
      }
    }
  }
}

const RULES: Array<(context: Context) => void> = [
  schema,
  noPlaceholders,
  images,
  resources,
  memory,
  probes,
  securityContext,
  serviceAccounts,
  iamPolicies,
  services,
  disruptionBudgets,
  autoscaling,
  keda,
  gracePeriods,
  appConfig,
  inspectHint,
  accounts,
  databaseBudget,
  ingress,
  networkPolicies,
  monitoring,
  migration,
  oneOffJobs,
  secrets,
  pods,
];

export const RULE_NAMES = [
  'schema',
  'placeholders',
  'image-tag',
  'resources',
  'memory',
  'probes',
  'security-context',
  'service-account',
  'iam-policies',
  'service-selector',
  'pdb',
  'autoscaling',
  'keda',
  'grace-period',
  'config',
  'inspect-hint',
  'accounts',
  'db-budget',
  'ingress',
  'network-policies',
  'monitoring',
  'migration',
  'one-off-jobs',
  'secrets',
  'ports',
  'topology-spread',
  'native-sidecar',
];

/** Every rule over one environment (its app overlay and migrate overlay). */
export function checkEnvironment(input: CheckInput | Environment): Problem[] {
  const context = new Context({
    name: input.name,
    app: input.app,
    migrate: input.migrate,
  });
  for (const rule of RULES) {
    rule(context);
  }
  return context.problems;
}
