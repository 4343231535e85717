import { Model } from '@kubernetes-models/base';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { ACK_SHAPES } from './ack-shapes';
import { K8sObject, objectId } from './manifests';
import { Problem } from './problem';

type ModelClass = typeof Model<unknown>;

const MODELS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'autoscaling/v2': autoscalingV2,
  'policy/v1': policyV1,
  'networking.k8s.io/v1': networkingV1,
  'keda.sh/v1alpha1': keda,
};

/** The oldest KEDA that knows every field used here (fallback.behavior); the deploy guide states it. */
export const MINIMUM_KEDA_VERSION = '2.17';

// Structural shapes for the custom resources without an installed model: the fields of the upstream
// API references (prometheus-operator monitoring.coreos.com/v1, External Secrets external-secrets.io/v1)
// that manifests here may use. Anything else is reported as unknown.
export type Shape =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'stringMap'
  | 'any'
  | { enum: string[] }
  | { array: Shape }
  | { object: Record<string, Shape>; required?: string[] };

const LABEL_SELECTOR: Shape = {
  object: {
    matchLabels: 'stringMap',
    matchExpressions: {
      array: {
        object: {
          key: 'string',
          operator: 'string',
          values: { array: 'string' },
        },
        required: ['key', 'operator'],
      },
    },
  },
};
const RELABELINGS: Shape = { array: 'any' };
const SCRAPE_ENDPOINT: Record<string, Shape> = {
  port: 'string',
  targetPort: 'any',
  path: 'string',
  scheme: { enum: ['http', 'https'] },
  interval: 'string',
  scrapeTimeout: 'string',
  honorLabels: 'boolean',
  honorTimestamps: 'boolean',
  params: 'any',
  relabelings: RELABELINGS,
  metricRelabelings: RELABELINGS,
  tlsConfig: 'any',
};
const NAMESPACE_SELECTOR: Shape = {
  object: { any: 'boolean', matchNames: { array: 'string' } },
};
const METADATA: Shape = {
  object: {
    name: 'string',
    namespace: 'string',
    labels: 'stringMap',
    annotations: 'stringMap',
  },
  required: ['name'],
};
const SECRET_STORE_REF: Shape = {
  object: {
    name: 'string',
    kind: { enum: ['SecretStore', 'ClusterSecretStore'] },
  },
  required: ['name'],
};
const REMOTE_REF: Shape = {
  object: {
    key: 'string',
    property: 'string',
    version: 'string',
    conversionStrategy: { enum: ['Default', 'Unicode'] },
    decodingStrategy: { enum: ['Auto', 'Base64', 'Base64URL', 'None'] },
    metadataPolicy: { enum: ['None', 'Fetch'] },
  },
  required: ['key'],
};

const CUSTOM_SHAPES: Record<string, Shape> = {
  ...ACK_SHAPES,
  'monitoring.coreos.com/v1/ServiceMonitor': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata: METADATA,
      spec: {
        object: {
          selector: LABEL_SELECTOR,
          namespaceSelector: NAMESPACE_SELECTOR,
          endpoints: { array: { object: SCRAPE_ENDPOINT } },
          jobLabel: 'string',
          targetLabels: { array: 'string' },
          podTargetLabels: { array: 'string' },
          sampleLimit: 'integer',
        },
        required: ['selector', 'endpoints'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'monitoring.coreos.com/v1/PodMonitor': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata: METADATA,
      spec: {
        object: {
          selector: LABEL_SELECTOR,
          namespaceSelector: NAMESPACE_SELECTOR,
          podMetricsEndpoints: {
            array: { object: { ...SCRAPE_ENDPOINT, portNumber: 'integer' } },
          },
          jobLabel: 'string',
          podTargetLabels: { array: 'string' },
          sampleLimit: 'integer',
        },
        required: ['selector', 'podMetricsEndpoints'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata: METADATA,
      spec: {
        object: {
          groups: {
            array: {
              object: {
                name: 'string',
                interval: 'string',
                limit: 'integer',
                rules: {
                  array: {
                    object: {
                      alert: 'string',
                      record: 'string',
                      expr: 'string',
                      for: 'string',
                      keep_firing_for: 'string',
                      labels: 'stringMap',
                      annotations: 'stringMap',
                    },
                    required: ['expr'],
                  },
                },
              },
              required: ['name', 'rules'],
            },
          },
        },
        required: ['groups'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'external-secrets.io/v1/ExternalSecret': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata: METADATA,
      spec: {
        object: {
          refreshInterval: 'string',
          secretStoreRef: SECRET_STORE_REF,
          target: {
            object: {
              name: 'string',
              creationPolicy: { enum: ['Owner', 'Orphan', 'Merge', 'None'] },
              deletionPolicy: { enum: ['Delete', 'Merge', 'Retain'] },
              immutable: 'boolean',
              template: 'any',
            },
          },
          data: {
            array: {
              object: {
                secretKey: 'string',
                remoteRef: REMOTE_REF,
                sourceRef: 'any',
              },
              required: ['secretKey', 'remoteRef'],
            },
          },
          dataFrom: { array: 'any' },
        },
        required: ['secretStoreRef'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
};

function checkShape(value: unknown, shape: Shape, at = ''): string[] {
  const here = at || '(value)';
  if (shape === 'any') {
    return [];
  }
  if (shape === 'string') {
    return typeof value === 'string' ? [] : [`${here}: must be a string`];
  }
  if (shape === 'integer') {
    return Number.isInteger(value) ? [] : [`${here}: must be an integer`];
  }
  if (shape === 'boolean') {
    return typeof value === 'boolean' ? [] : [`${here}: must be a boolean`];
  }
  if (shape === 'stringMap') {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [`${here}: must be a map of strings`];
    }
    return Object.entries(value)
      .filter(([, item]) => typeof item !== 'string')
      .map(([key]) => `${at}.${key}: must be a string`);
  }
  if ('enum' in shape) {
    return typeof value === 'string' && shape.enum.includes(value)
      ? []
      : [`${here}: must be one of ${shape.enum.join(', ')}`];
  }
  if ('array' in shape) {
    if (!Array.isArray(value)) {
      return [`${here}: must be a list`];
    }
    return value.flatMap((item, index) => checkShape(item, shape.array, `${at}[${index}]`));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [`${here}: must be an object`];
  }
  const record = value as Record<string, unknown>;
  const problems = (shape.required ?? [])
    .filter((key) => record[key] === undefined)
    .map((key) => `${at ? `${at}.` : ''}${key}: required`);
  for (const [key, item] of Object.entries(record)) {
    const path = at ? `${at}.${key}` : key;
    const fieldShape = shape.object[key];
    if (!fieldShape) {
      problems.push(`${path}: unknown field`);
      continue;
    }
    problems.push(...checkShape(item, fieldShape, path));
  }
  return problems;
}

interface TrackedNode {
  path: string;
  value: object;
  read: Set<string>;
  // The validator enumerated the keys: a map (labels, data, limits...) where any key is allowed.
  enumerated: boolean;
}

/**
 * Wraps the object so every property the schema validator reads is recorded. The generated
 * validators read each property their schema declares and enumerate only maps, so a key that was
 * never read is a field the schema does not know: a typo the API server would drop or reject.
 */
function track(value: object, path: string, nodes: TrackedNode[]): object {
  const node: TrackedNode = { path, value, read: new Set(), enumerated: false };
  nodes.push(node);
  const children = new Map<string, object>();
  return new Proxy(value, {
    get(target, key, receiver) {
      const item: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') {
        return item;
      }
      node.read.add(key);
      if (item === null || typeof item !== 'object') {
        return item;
      }
      let child = children.get(key);
      if (!child) {
        child = track(
          item,
          Array.isArray(target) ? `${path}[${key}]` : path ? `${path}.${key}` : key,
          nodes,
        );
        children.set(key, child);
      }
      return child;
    },
    ownKeys(target) {
      node.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

/** Schema errors and unknown fields of one object. */
export function validateObject(object: K8sObject): Problem[] {
  const id = objectId(object);
  const problem = (message: string): Problem => ({
    rule: 'schema',
    object: id,
    message,
  });
  const customShape = CUSTOM_SHAPES[`${object.apiVersion}/${object.kind}`];
  if (customShape) {
    return checkShape(object, customShape).map(problem);
  }
  const model = MODELS[object.apiVersion]?.[object.kind] as ModelClass | undefined;
  if (!model) {
    return [
      problem(
        `no schema for ${object.apiVersion} ${object.kind}: add a model or a shape to k8s/src/lib/schema.ts`,
      ),
    ];
  }

  const problems: Problem[] = [];
  const nodes: TrackedNode[] = [];
  // The models' validate() runs the generated validator on `this`; hand it the tracked copy.
  const tracked = track(structuredClone(object), '', nodes);
  try {
    model.prototype.validate.call(tracked);
  } catch (error) {
    problems.push(problem(error instanceof Error ? error.message : String(error)));
  }

  for (const node of nodes) {
    if (node.enumerated || Array.isArray(node.value)) {
      continue;
    }
    for (const key of Object.keys(node.value)) {
      if (node.read.has(key)) {
        continue;
      }
      const path = node.path ? `${node.path}.${key}` : key;
      problems.push(
        problem(`${path}: unknown field (not in the ${object.apiVersion} ${object.kind} schema)`),
      );
    }
  }
  return problems;
}
