import { queueSettings } from '../aws/queue-settings';
import { Formula } from '../lib/formula';
import { appOf } from '../lib/images';
import { Environment } from '../lib/manifests';
import { Json, resolveEnv, workloads } from '../lib/workloads';

export interface ScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: ScalingPolicy[];
}

/** Everything the simulation reads from one built overlay: the ScaledObject and the processor's config. */
export interface ScalingSettings {
  environment: string;
  minReplicas: number;
  maxReplicas: number;
  pollingIntervalSeconds: number;
  cooldownPeriodSeconds: number;
  /** scalingModifiers: composite metric in messages, HPA target per replica, activation threshold. */
  formula: Formula;
  target: number;
  activationTarget: number;
  /** Trigger names as the formula knows them. */
  triggers: { queue: string; age: string; paused: string; pods: string };
  scaleOnInFlight: boolean;
  scaleUp: ScalingRules;
  scaleDown: ScalingRules;
  fallback: { failureThreshold: number; replicas: number; behavior: string } | undefined;
  pollers: number;
  batchSize: number;
  /** The orders queue as the ACK component declares it (components/aws-ack/queue-settings.json). */
  queue: {
    visibilityTimeoutSeconds: number;
    retentionSeconds: number;
    maxReceiveCount: number;
    oldestMessageAlertSeconds: number;
  };
}

// Kubernetes' defaults when a ScaledObject gives no behavior (HPA v2 documentation).
const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
};
const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

function rules(value: Partial<ScalingRules> | undefined, defaults: ScalingRules): ScalingRules {
  return {
    stabilizationWindowSeconds:
      value?.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: value?.selectPolicy ?? defaults.selectPolicy,
    policies: value?.policies ?? defaults.policies,
  };
}

function requiredNumber(values: Record<string, string>, key: string): number {
  const value = Number(values[key]);
  if (!Number.isFinite(value)) {
    throw new Error(`the processor's ${key} is not set in the overlay's ConfigMaps`);
  }
  return value;
}

export function scalingSettings(environment: Environment): ScalingSettings {
  const scaled = environment.app.find((object) => object.kind === 'ScaledObject');
  if (!scaled) {
    throw new Error(`overlay ${environment.name} has no ScaledObject`);
  }
  const spec = scaled.spec;
  const processorWorkload = workloads(environment.app).find(
    (workload) => workload.object.metadata.name === spec.scaleTargetRef.name,
  );
  const processor = processorWorkload?.longRunning.find(
    (container) => appOf(container) === 'processor',
  );
  if (!processor) {
    throw new Error(
      `overlay ${environment.name}: the ScaledObject's target runs no processor container`,
    );
  }
  const env = resolveEnv(processor, environment.app).values;
  const queues = queueSettings();
  const triggerOf = (predicate: (trigger: Json) => boolean, what: string): Json => {
    const trigger = (spec.triggers as Json[]).find(predicate);
    if (!trigger?.name) {
      throw new Error(`overlay ${environment.name}: no named ${what} trigger`);
    }
    return trigger;
  };
  const queue = triggerOf((trigger) => trigger.type === 'aws-sqs-queue', 'aws-sqs-queue');
  const modifiers = spec.advanced?.scalingModifiers;
  const behavior = spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
  return {
    environment: environment.name,
    minReplicas: spec.minReplicaCount ?? 0,
    maxReplicas: spec.maxReplicaCount ?? 100,
    pollingIntervalSeconds: spec.pollingInterval ?? 30,
    cooldownPeriodSeconds: spec.cooldownPeriod ?? 300,
    // Without scalingModifiers the queue trigger alone drives the HPA.
    formula: new Formula(modifiers?.formula ?? queue.name),
    target: Number(modifiers?.target ?? queue.metadata.queueLength ?? 5),
    activationTarget: Number(
      modifiers?.activationTarget ?? queue.metadata.activationQueueLength ?? 0,
    ),
    triggers: {
      queue: queue.name,
      age: triggerOf((trigger) => trigger.type === 'aws-cloudwatch', 'aws-cloudwatch').name,
      paused: triggerOf((trigger) => trigger.type === 'prometheus', 'prometheus').name,
      pods: triggerOf((trigger) => trigger.type === 'kubernetes-workload', 'kubernetes-workload')
        .name,
    },
    scaleOnInFlight: queue.metadata.scaleOnInFlight !== 'false',
    scaleUp: rules(behavior?.scaleUp, DEFAULT_SCALE_UP),
    scaleDown: rules(behavior?.scaleDown, DEFAULT_SCALE_DOWN),
    fallback: spec.fallback
      ? {
          failureThreshold: spec.fallback.failureThreshold,
          replicas: spec.fallback.replicas,
          behavior: spec.fallback.behavior ?? 'static',
        }
      : undefined,
    pollers: requiredNumber(env, 'POLLERS'),
    batchSize: requiredNumber(env, 'SQS_BATCH_SIZE'),
    queue: {
      visibilityTimeoutSeconds: requiredNumber(env, 'VISIBILITY_TIMEOUT_SECONDS'),
      retentionSeconds: queues.messageRetentionSeconds,
      maxReceiveCount: queues.maxReceiveCount,
      oldestMessageAlertSeconds: queues.oldestMessageAlertSeconds,
    },
  };
}
