import { appOf, AppName } from './images';
import { K8sObject } from './manifests';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  restartPolicy?: string;
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  env?: Json[];
  envFrom?: Json[];
  resources?: Json;
  readinessProbe?: Json;
  livenessProbe?: Json;
  startupProbe?: Json;
  securityContext?: Json;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

export interface Workload {
  object: K8sObject;
  id: string;
  podSpec: Json;
  podLabels: Record<string, string>;
  /** Containers that run for the pod's life: regular containers and native sidecars. */
  longRunning: Container[];
  /** Every container, init containers included. */
  all: Container[];
}

const POD_TEMPLATE_KINDS = [
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicaSet',
];

/** Jobs and the CronJob templates they are created from: they run to completion and serve nothing. */
export function isOneOff(workload: Workload): boolean {
  return ['Job', 'CronJob'].includes(workload.object.kind);
}

/** A Job's spec, or the jobTemplate's spec of a CronJob. */
export function jobSpec(workload: Workload): Json | undefined {
  switch (workload.object.kind) {
    case 'Job':
      return workload.object.spec;
    case 'CronJob':
      return workload.object.spec?.jobTemplate?.spec;
    default:
      return undefined;
  }
}

export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((object) => POD_TEMPLATE_KINDS.includes(object.kind))
    .map((object) => {
      const template =
        object.kind === 'CronJob'
          ? object.spec?.jobTemplate?.spec?.template
          : object.spec?.template;
      const podSpec = template?.spec ?? {};
      const init: Container[] = podSpec.initContainers ?? [];
      const containers: Container[] = podSpec.containers ?? [];
      return {
        object,
        id: `${object.kind}/${object.metadata.name}`,
        podSpec,
        podLabels: template?.metadata?.labels ?? {},
        longRunning: [
          ...init.filter((container) => container.restartPolicy === 'Always'),
          ...containers,
        ],
        all: [...init, ...containers],
      };
    });
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: string;
    values?: string[];
  }>;
}

export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) {
    return false;
  }
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  const byExpressions = (selector.matchExpressions ?? []).every((expression) => {
    const value = labels[expression.key];
    switch (expression.operator) {
      case 'In':
        return value !== undefined && (expression.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(expression.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

/** "app=processor,tier in (a,b)" as used by KEDA's kubernetes-workload podSelector (equality subset). */
export function parseEqualitySelector(selector: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  for (const part of selector
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const match = /^([\w./-]+)\s*==?\s*([\w.-]+)$/.exec(part);
    if (!match) {
      throw new Error(`unsupported selector term "${part}"`);
    }
    matchLabels[match[1]] = match[2];
  }
  return { matchLabels };
}

// Values stand in for Secret and downward-API entries so the app's own validation can run on the
// rest. They are syntactically valid; real values never appear in git.
const SECRET_PLACEHOLDERS: Record<string, string> = {
  DATABASE_URL: 'postgresql://orders:placeholder@database.internal:5432/orders',
  API_KEYS: `placeholder-client:${'0'.repeat(64)}`,
  ALERT_WEBHOOK_URL: 'https://hooks.example.com/placeholder',
  ALERT_CUSTOMER_MASK_SECRET: 'placeholder-mask-key-0123456789',
  ADMIN_API_KEY_SHA256: '0'.repeat(64),
};

export interface SecretReference {
  variable: string;
  secret: string;
  key?: string;
  optional: boolean;
}

export interface ResolvedEnv {
  /** The environment the process would see (Secrets and fieldRefs as placeholders). */
  values: Record<string, string>;
  /** Names explicitly set by the manifest (env and envFrom keys). */
  names: Set<string>;
  secrets: SecretReference[];
  problems: string[];
}

/** The container's environment as the kubelet would build it from the objects of one build. */
export function resolveEnv(container: Container, objects: K8sObject[]): ResolvedEnv {
  const values: Record<string, string> = {};
  const names = new Set<string>();
  const secrets: SecretReference[] = [];
  const problems: string[] = [];
  const configMap = (name: string): Record<string, string> | undefined =>
    objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === name)?.data as
      | Record<string, string>
      | undefined;

  for (const source of container.envFrom ?? []) {
    const prefix: string = source.prefix ?? '';
    if (source.configMapRef) {
      const data = configMap(source.configMapRef.name);
      if (!data) {
        if (!source.configMapRef.optional) {
          problems.push(`envFrom ConfigMap "${source.configMapRef.name}" is not in this build`);
        }
        continue;
      }
      for (const [key, value] of Object.entries(data)) {
        values[prefix + key] = value;
        names.add(prefix + key);
      }
    }
    if (source.secretRef) {
      secrets.push({
        variable: `${prefix}*`,
        secret: source.secretRef.name,
        optional: Boolean(source.secretRef.optional),
      });
    }
  }
  for (const entry of container.env ?? []) {
    names.add(entry.name);
    if (entry.value !== undefined) {
      values[entry.name] = String(entry.value);
    } else if (entry.valueFrom?.configMapKeyRef) {
      const reference = entry.valueFrom.configMapKeyRef;
      const value = configMap(reference.name)?.[reference.key];
      if (value === undefined) {
        if (!reference.optional) {
          problems.push(
            `${entry.name}: ConfigMap "${reference.name}" key "${reference.key}" is not in this build`,
          );
        }
        delete values[entry.name];
      } else {
        values[entry.name] = value;
      }
    } else if (entry.valueFrom?.secretKeyRef) {
      const reference = entry.valueFrom.secretKeyRef;
      secrets.push({
        variable: entry.name,
        secret: reference.name,
        key: reference.key,
        optional: Boolean(reference.optional),
      });
      values[entry.name] = SECRET_PLACEHOLDERS[entry.name] ?? 'placeholder';
    } else if (entry.valueFrom?.fieldRef || entry.valueFrom?.resourceFieldRef) {
      values[entry.name] = 'downward-api-value';
    } else {
      values[entry.name] = '';
    }
  }
  return { values, names, secrets, problems };
}

export function containerApp(container: Container): AppName | undefined {
  return appOf(container);
}

/** The Deployment's maximum and minimum replicas, from its HPA or ScaledObject when it has one. */
export function replicaBounds(
  workload: Workload,
  objects: K8sObject[],
): { min: number; max: number; by: string } {
  const name = workload.object.metadata.name;
  if (workload.object.kind === 'Job') {
    const parallelism = workload.object.spec?.parallelism ?? 1;
    return { min: 0, max: parallelism, by: 'Job parallelism' };
  }
  if (workload.object.kind === 'CronJob') {
    // Operators run one Job from the template at a time (k8s/README.md).
    const parallelism = jobSpec(workload)?.parallelism ?? 1;
    return { min: 0, max: parallelism, by: 'one Job at a time' };
  }
  const scaledObject = objects.find(
    (object) =>
      object.kind === 'ScaledObject' &&
      object.spec?.scaleTargetRef?.name === name &&
      (object.spec.scaleTargetRef.kind ?? 'Deployment') === workload.object.kind,
  );
  if (scaledObject) {
    return {
      min: scaledObject.spec.minReplicaCount ?? 0,
      max: scaledObject.spec.maxReplicaCount ?? 100,
      by: `ScaledObject/${scaledObject.metadata.name}`,
    };
  }
  const hpa = objects.find(
    (object) =>
      object.kind === 'HorizontalPodAutoscaler' &&
      object.spec?.scaleTargetRef?.name === name &&
      object.spec.scaleTargetRef.kind === workload.object.kind,
  );
  if (hpa) {
    return {
      min: hpa.spec.minReplicas ?? 1,
      max: hpa.spec.maxReplicas,
      by: `HorizontalPodAutoscaler/${hpa.metadata.name}`,
    };
  }
  const replicas = workload.object.spec?.replicas ?? 1;
  return { min: replicas, max: replicas, by: 'spec.replicas' };
}

export function parseQuantity(value: string | number | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'number') {
    return value;
  }
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) {
    return Number.NaN;
  }
  const factors: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * (match[2] ? factors[match[2]] : 1);
}

/** A port given by number or by the name of a container port. */
export function containerPort(
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
