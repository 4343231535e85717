import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The processor replicas KEDA would run for the production overlay: the ScaledObject's
 * minReplicaCount and queueLength, read from `kubectl kustomize k8s/overlays/prod`.
 * Replicas for a queue depth = ceil(depth ÷ queueLength), kept within min and max.
 */
export function prodAutoscaling(repoRoot) {
  const built = execFileSync('kubectl', ['kustomize', join(repoRoot, 'k8s/overlays/prod')], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const scaled = parseAllDocuments(built)
    .map((document) => document.toJS())
    .find(
      (resource) => resource?.kind === 'ScaledObject' && resource.metadata?.name === 'processor',
    );
  if (!scaled) {
    throw new Error('k8s/overlays/prod has no ScaledObject "processor"');
  }
  const queue = scaled.spec.triggers.find((trigger) => trigger.type === 'aws-sqs-queue');
  return {
    minReplicas: scaled.spec.minReplicaCount,
    maxReplicas: scaled.spec.maxReplicaCount,
    queueLength: Number(queue?.metadata?.queueLength ?? 5),
    replicasFor(depth) {
      const wanted = Math.ceil(depth / this.queueLength);
      return Math.min(Math.max(wanted, this.minReplicas), this.maxReplicas);
    },
  };
}
