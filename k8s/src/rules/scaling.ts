import { databaseConnections, parseQueueUrl } from '../lib/app-contract';
import { Formula } from '../lib/formula';
import { K8sObject, objectId } from '../lib/manifests';
import {
  isOneOff,
  Json,
  parseEqualitySelector,
  replicaBounds,
  selectorMatches,
  Workload,
} from '../lib/workloads';
import { Context, Report, Rule } from './rule';

const DB_BUDGET_ANNOTATION = 'order-pipeline.io/db-connection-budget';

export const autoscaling: Rule = {
  name: 'autoscaling',
  check(context, report) {
    const targets = new Map<string, string[]>();
    for (const object of [
      ...context.ofKind('HorizontalPodAutoscaler'),
      ...context.ofKind('ScaledObject'),
    ]) {
      const reference = object.spec?.scaleTargetRef ?? {};
      const kind: string = reference.kind ?? 'Deployment';
      const workload = context.workloadNamed(kind, reference.name, context.input.app);
      if (!workload) {
        report(
          object,
          `scaleTargetRef ${kind}/${reference.name} is not in the build (a name prefix not applied to the reference?)`,
        );
        continue;
      }
      targets.set(workload.id, [...(targets.get(workload.id) ?? []), objectId(object)]);
      if (workload.object.spec?.replicas !== undefined) {
        report(
          workload.object,
          `sets spec.replicas while ${objectId(object)} owns the count: every apply would reset it`,
        );
      }
    }
    for (const [workload, owners] of targets) {
      if (owners.length > 1) {
        report(workload, `scaled by ${owners.join(' and ')}: one autoscaler per workload`);
      }
    }
    for (const hpa of context.ofKind('HorizontalPodAutoscaler')) {
      if (!(hpa.spec.minReplicas <= hpa.spec.maxReplicas)) {
        report(hpa, 'minReplicas must not exceed maxReplicas');
      }
    }
  },
};

// One ScaledObject and what its checks compare it with: the processor container it scales.
interface Scaled {
  object: K8sObject;
  spec: Json;
  target: Workload;
  env: Record<string, string>;
  config: Record<string, unknown> | undefined;
  problem: (message: string) => void;
}

interface Triggers {
  all: Json[];
  queue?: Json;
  age?: Json;
  paused?: Json;
  pods?: Json;
}

function checkBounds({ spec, config, problem }: Scaled): void {
  if (!(spec.minReplicaCount <= spec.maxReplicaCount)) {
    problem('minReplicaCount and maxReplicaCount must be set, min <= max');
  }
  // The processor's own pool check (MAX_REPLICAS with DB_MAX_CONNECTIONS) must know KEDA's bound.
  if (config?.MAX_REPLICAS !== undefined && Number(config.MAX_REPLICAS) < spec.maxReplicaCount) {
    problem(
      `the processor's MAX_REPLICAS ${String(config.MAX_REPLICAS)} is below maxReplicaCount ${spec.maxReplicaCount}`,
    );
  }
  for (const field of ['pollingInterval', 'cooldownPeriod']) {
    if (!Number.isInteger(spec[field])) {
      problem(`${field} must be set`);
    }
  }
  if (!(spec.fallback?.failureThreshold > 0 && spec.fallback?.replicas > 0)) {
    problem(
      'fallback (failureThreshold, replicas) must be set: scaling must not stop when a metric source fails',
    );
  }
  const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
  if (!(behavior?.scaleDown?.stabilizationWindowSeconds >= 60) || !behavior?.scaleUp) {
    problem(
      'advanced.horizontalPodAutoscalerConfig.behavior needs scaleUp and a calm scaleDown (stabilizationWindowSeconds >= 60)',
    );
  }
}

function checkTriggerNamesAndAuthentication(
  context: Context,
  report: Report,
  { problem }: Scaled,
  triggers: Json[],
): void {
  triggers
    .filter((trigger) => !trigger.name)
    .forEach((trigger) =>
      problem(`trigger ${trigger.type} needs a name (scalingModifiers refer to triggers by name)`),
    );
  for (const trigger of triggers.filter((item) => item.authenticationRef)) {
    const auth = context
      .ofKind('TriggerAuthentication', context.input.app)
      .find((object) => object.metadata.name === trigger.authenticationRef.name);
    if (!auth) {
      problem(
        `trigger ${trigger.name}: TriggerAuthentication "${trigger.authenticationRef.name}" is not in the build`,
      );
      continue;
    }
    if (auth.spec?.podIdentity?.provider !== 'aws') {
      report(
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
        report(auth, `${field}: no static keys; the scaler role comes from pod identity`);
      }
    }
  }
}

function checkQueueTrigger({ env, config, problem }: Scaled, queue: Json): void {
  const queueUrl = env.ORDERS_QUEUE_URL;
  const watched =
    queue.metadata?.queueURL ??
    (queue.metadata?.queueURLFromEnv ? env[queue.metadata.queueURLFromEnv] : undefined);
  if (watched !== queueUrl) {
    problem(
      `aws-sqs-queue watches "${watched}" but the processor consumes ORDERS_QUEUE_URL="${queueUrl}"`,
    );
  }
  if (queue.metadata?.awsRegion !== env.AWS_REGION) {
    problem(
      `aws-sqs-queue awsRegion "${queue.metadata?.awsRegion}" differs from AWS_REGION "${env.AWS_REGION}"`,
    );
  }
  if (queue.metadata?.awsEndpoint) {
    problem('aws-sqs-queue: awsEndpoint is for emulators, not a cluster');
  }
  for (const field of ['queueLength', 'activationQueueLength']) {
    if (!(Number(queue.metadata?.[field]) > 0)) {
      problem(`aws-sqs-queue needs ${field}`);
    }
  }
  if (queue.metadata?.scaleOnInFlight !== 'true') {
    problem(
      'aws-sqs-queue: scaleOnInFlight must be "true" so messages being processed keep their replicas',
    );
  }
  const perReplica = Number(config?.POLLERS) * Number(config?.SQS_BATCH_SIZE);
  if (Number(queue.metadata?.queueLength) > perReplica) {
    problem(
      `queueLength ${queue.metadata.queueLength} exceeds POLLERS x SQS_BATCH_SIZE = ${perReplica}: busy replicas would count as less than one and steady load would shrink them into a backlog`,
    );
  }
}

function checkAgeTrigger({ env, problem }: Scaled, age: Json): void {
  const queueName = parseQueueUrl(env.ORDERS_QUEUE_URL)?.name;
  if (
    age.metadata.namespace !== 'AWS/SQS' ||
    age.metadata.dimensionName !== 'QueueName' ||
    age.metadata.dimensionValue !== queueName
  ) {
    problem(
      `age trigger must read AWS/SQS QueueName=${queueName}, reads ${age.metadata.namespace} ${age.metadata.dimensionName}=${age.metadata.dimensionValue}`,
    );
  }
  if (age.metadata.awsRegion !== env.AWS_REGION) {
    problem(
      `age trigger awsRegion "${age.metadata.awsRegion}" differs from AWS_REGION "${env.AWS_REGION}"`,
    );
  }
  if (!(Number(age.metadata.targetMetricValue) > 0)) {
    problem('age trigger needs targetMetricValue (seconds of age per replica)');
  }
}

function checkPausedTrigger(
  context: Context,
  { object: scaled, problem }: Scaled,
  paused: Json,
): void {
  const namespace = /namespace="([^"]*)"/.exec(paused.metadata.query)?.[1];
  if (namespace !== scaled.metadata.namespace) {
    problem(
      `paused query reads namespace "${namespace}", the processors run in "${scaled.metadata.namespace}"`,
    );
  }
  if (!context.surface('processor').metricNames.has('processor_paused')) {
    problem('the processor no longer exports processor_paused: the hold-back reads nothing');
  }
  if (!paused.metadata.serverAddress) {
    problem('paused trigger needs serverAddress');
  }
}

function checkPodsTrigger(context: Context, { target, problem }: Scaled, pods: Json): void {
  const selector = parseEqualitySelector(pods.metadata?.podSelector ?? '');
  const matching = context.workloads.filter((workload) =>
    selectorMatches(selector, workload.podLabels),
  );
  if (matching.length !== 1 || matching[0] !== target) {
    problem(
      `kubernetes-workload podSelector "${pods.metadata?.podSelector}" must select the processor pods only, selects ${matching.map((workload) => workload.id).join(', ') || 'nothing'}`,
    );
  }
}

// Evaluates the formula where it matters: depth drives, age drives a trickle, paused holds.
function proveFormula(
  { spec, problem }: Scaled,
  { all, queue, age, paused, pods }: Triggers,
): void {
  const byName = new Map<string, Json>(all.map((trigger) => [trigger.name, trigger]));
  const modifiers = spec.advanced?.scalingModifiers;
  if (!modifiers?.formula) {
    problem(
      'needs advanced.scalingModifiers combining queue depth, age and the database hold-back',
    );
    return;
  }
  let formula: Formula;
  try {
    formula = new Formula(modifiers.formula);
  } catch (error) {
    problem((error as Error).message);
    return;
  }
  const unknown = formula.variables.filter((name) => !byName.has(name));
  const unused = [...byName.keys()].filter((name) => !formula.variables.includes(name));
  if (unknown.length > 0 || unused.length > 0) {
    problem(
      `formula and triggers disagree: unknown names [${unknown.join(', ')}], unused triggers [${unused.join(', ')}]`,
    );
    return;
  }
  if (!queue || !age || !paused || !pods) {
    return;
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
    problem(
      `scalingModifiers.target ${modifiers.target} must equal queueLength ${queueLength} (the formula is in messages)`,
    );
  }
  if (Number(modifiers.activationTarget) !== Number(queue.metadata.activationQueueLength)) {
    problem(
      `scalingModifiers.activationTarget ${modifiers.activationTarget} must equal activationQueueLength ${queue.metadata.activationQueueLength}`,
    );
  }
  for (const depth of [0, 1, queueLength, 7 * queueLength + 3]) {
    const value = formula.evaluate(variables({ queue: depth, pods: 2 }));
    if (!close(value, depth)) {
      problem(
        `formula with queue=${depth}, age=0, database up gives ${value}, expected ${depth} (queue depth drives scaling)`,
      );
    }
  }
  // A trickle: one queued order that has waited long gets capacity from the age term.
  for (const multiple of [1, 2, 3.5]) {
    const value = formula.evaluate(variables({ queue: 1, age: multiple * ageTarget, pods: 2 }));
    const expected = Math.max(1, multiple * composite);
    if (!close(value, expected)) {
      problem(
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
      problem(
        `formula while the database is down (paused=1) asks for ${Math.ceil(value / composite)} replicas with ${current} running: it must not grow`,
      );
    }
  }
}

export const keda: Rule = {
  name: 'keda',
  check(context, report) {
    for (const object of context.ofKind('ScaledObject')) {
      const spec = object.spec ?? {};
      const problem = (message: string): void => report(object, message);
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
        problem(
          `envSourceContainerName "${spec.scaleTargetRef.envSourceContainerName}" is not a container of ${target.id}`,
        );
        continue;
      }
      const scaled: Scaled = {
        object,
        spec,
        target,
        env: context.env(processor, target).values,
        config: context.config(processor, target),
        problem,
      };
      checkBounds(scaled);
      const all: Json[] = spec.triggers ?? [];
      checkTriggerNamesAndAuthentication(context, report, scaled, all);
      const queue = all.find((trigger) => trigger.type === 'aws-sqs-queue');
      if (!queue) {
        problem('needs an aws-sqs-queue trigger');
      } else {
        checkQueueTrigger(scaled, queue);
      }
      const age = all.find(
        (trigger) =>
          trigger.type === 'aws-cloudwatch' &&
          trigger.metadata?.metricName === 'ApproximateAgeOfOldestMessage',
      );
      if (!age) {
        problem(
          'needs an aws-cloudwatch trigger on ApproximateAgeOfOldestMessage (a trickle of old orders must still get capacity)',
        );
      } else {
        checkAgeTrigger(scaled, age);
      }
      const paused = all.find(
        (trigger) =>
          trigger.type === 'prometheus' && /processor_paused/.test(trigger.metadata?.query ?? ''),
      );
      if (!paused) {
        problem(
          'needs a prometheus trigger on processor_paused: replicas must hold while the database is down',
        );
      } else {
        checkPausedTrigger(context, scaled, paused);
      }
      const pods = all.find((trigger) => trigger.type === 'kubernetes-workload');
      if (!pods) {
        problem(
          'needs a kubernetes-workload trigger counting the processor pods (what "hold" means in the formula)',
        );
      } else {
        checkPodsTrigger(context, scaled, pods);
      }
      proveFormula(scaled, { all, queue, age, paused, pods });
    }
  },
};

export const dbBudget: Rule = {
  name: 'db-budget',
  check(context, report) {
    const namespaces = context.ofKind('Namespace', context.input.app);
    const budget = Number(namespaces[0]?.metadata.annotations?.[DB_BUDGET_ANNOTATION]);
    if (!Number.isInteger(budget) || budget <= 0) {
      report(
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
        const connections = databaseConnections(config);
        total += connections * max;
        parts.push(
          `${workload.object.metadata.name}/${container.name} ${connections} x ${max} (${by})`,
        );
      }
    }
    if (total > budget) {
      report(
        namespaces[0],
        `connections per pod x max replicas = ${total} > budget ${budget}: ${parts.join(' + ')} (each app's databaseConnections(): its pool and any connection of its own)`,
      );
    }
  },
};
