import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** One object as the API server would receive it; fields beyond the envelope are read by the checks. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

export const K8S_ROOT = path.resolve(__dirname, '..', '..');
export const WORKSPACE_ROOT = path.resolve(K8S_ROOT, '..');
export const ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

/** What one environment deploys: the app overlay and its migration overlay, applied in that order reversed. */
export interface Environment {
  name: string;
  app: K8sObject[];
  migrate: K8sObject[];
}

export function objectId(object: K8sObject): string {
  return `${object.kind}/${object.metadata?.name ?? '<unnamed>'}`;
}

export function parseManifests(text: string, source = 'manifest'): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const document of parseAllDocuments(text)) {
    if (document.errors.length > 0) {
      throw new Error(
        `${source}: invalid YAML: ${document.errors.map((error) => error.message).join('; ')}`,
      );
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) {
      continue;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`${source}: a document is not an object`);
    }
    objects.push(value as K8sObject);
  }
  return objects;
}

/** `kubectl kustomize DIR`: the exact objects `kubectl apply -k DIR` would send. KUBECTL overrides the binary. */
export function kustomize(
  directory: string,
  kubectl = process.env.KUBECTL ?? 'kubectl',
  options: string[] = [],
): K8sObject[] {
  const absolute = path.resolve(K8S_ROOT, directory);
  if (!existsSync(path.join(absolute, 'kustomization.yaml'))) {
    throw new Error(`no kustomization.yaml in ${absolute}`);
  }
  let output: string;
  try {
    output = execFileSync(kubectl, ['kustomize', ...options, absolute], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 32 * 1024 * 1024,
    });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(
        `${kubectl} is not installed or not on PATH. The k8s checks build every overlay with \`kubectl kustomize\` ` +
          '(kubectl >= 1.27 bundles kustomize 5): install kubectl, or point KUBECTL at it, and run the tests again.',
      );
    }
    throw new Error(`kubectl kustomize ${directory} failed:\n${failure.stderr ?? failure.message}`);
  }
  return parseManifests(output, directory);
}

const built = new Map<string, Environment>();

export function buildEnvironment(name: string): Environment {
  const cached = built.get(name);
  if (cached) {
    return cached;
  }
  const environment = {
    name,
    app: kustomize(`overlays/${name}`),
    migrate: kustomize(`overlays/${name}/migrate`),
  };
  built.set(name, environment);
  return environment;
}

/** Calls visit for every string in the value, with its path (spec.template.spec.containers[0].image). */
export function walkStrings(
  value: unknown,
  visit: (text: string, path: string) => void,
  path = '',
): void {
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
