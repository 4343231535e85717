import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { K8S_ROOT, K8sObject, kustomize } from '../lib/manifests';
import { overlayKustomization } from './component';

type Kustomization = Record<string, unknown> & {
  resources?: string[];
  components?: string[];
  patches?: Array<{ path?: string }>;
  configMapGenerator?: Array<{ envs?: string[]; files?: string[] }>;
};

/**
 * The overlay as written, with its ACK component switched on or off: a copy of its kustomization
 * in a temporary folder, its paths rewritten to reach the originals (hence LoadRestrictionsNone).
 */
export function buildWithAwsComponent(env: string, on: boolean): K8sObject[] {
  const overlay = path.join(K8S_ROOT, 'overlays', env);
  const directory = mkdtempSync(path.join(tmpdir(), `overlay-${env}-`));
  // kustomize refuses reach roots: every path relative to the copy's folder instead.
  const reach = (item: string): string => path.relative(directory, path.resolve(overlay, item));
  const kustomization = structuredClone(overlayKustomization(env)) as Kustomization;
  kustomization.resources = (kustomization.resources ?? []).map(reach);
  const component = reach(path.join('..', '..', 'components', 'aws-ack', env));
  const components = (kustomization.components ?? [])
    .map(reach)
    .filter((item) => item !== component);
  kustomization.components = on ? [...components, component] : components;
  for (const patch of kustomization.patches ?? []) {
    if (patch.path) {
      patch.path = reach(patch.path);
    }
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    generator.envs = generator.envs?.map(reach);
    generator.files = generator.files?.map(reach);
  }
  writeFileSync(path.join(directory, 'kustomization.yaml'), stringify(kustomization));
  try {
    return kustomize(directory, undefined, ['--load-restrictor', 'LoadRestrictionsNone']);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
