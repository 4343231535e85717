import type { Shape } from './schema';

// The ACK custom resources the aws-ack component uses, as compact shapes of their CRDs' OpenAPI
// schemas (spec fields only; every field of the CRD's spec is listed, so a typo is reported as
// unknown). Read from the CRDs in config/crd/bases of each controller:
// - sqs.services.k8s.aws/v1alpha1 Queue: aws-controllers-k8s/sqs-controller v1.6.1 (5c9d80c7b4e0)
// - iam.services.k8s.aws/v1alpha1 Role, Policy: aws-controllers-k8s/iam-controller v1.8.1 (7a830c868368)
// - eks.services.k8s.aws/v1alpha1 PodIdentityAssociation: aws-controllers-k8s/eks-controller v1.20.0 (fcb7569892f5)
// All Queue attributes are strings in the CRD (SQS's attribute map), numbers included.

/** The controllers (Helm chart versions) whose CRDs these shapes were read from; the deploy guide installs them. */
export const ACK_CONTROLLER_VERSIONS = { sqs: '1.6.1', iam: '1.8.1', eks: '1.20.0' } as const;

const METADATA: Shape = {
  object: { name: 'string', namespace: 'string', labels: 'stringMap', annotations: 'stringMap' },
  required: ['name'],
};
const REFERENCE: Shape = {
  object: { from: { object: { name: 'string', namespace: 'string' } } },
};
const TAG_LIST: Shape = { array: { object: { key: 'string', value: 'string' } } };

const resource = (spec: Record<string, Shape>, required: string[]): Shape => ({
  object: {
    apiVersion: 'string',
    kind: 'string',
    metadata: METADATA,
    spec: { object: spec, required },
  },
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
});

export const ACK_SHAPES: Record<string, Shape> = {
  'sqs.services.k8s.aws/v1alpha1/Queue': resource(
    {
      contentBasedDeduplication: 'string',
      deduplicationScope: 'string',
      delaySeconds: 'string',
      fifoQueue: 'string',
      fifoThroughputLimit: 'string',
      kmsDataKeyReusePeriodSeconds: 'string',
      kmsMasterKeyID: 'string',
      kmsMasterKeyRef: REFERENCE,
      maximumMessageSize: 'string',
      messageRetentionPeriod: 'string',
      policy: 'string',
      policyRef: REFERENCE,
      // Immutable once set (x-kubernetes-validations self == oldSelf).
      queueName: 'string',
      receiveMessageWaitTimeSeconds: 'string',
      redriveAllowPolicy: 'string',
      redrivePolicy: 'string',
      sqsManagedSSEEnabled: 'string',
      tags: 'stringMap',
      visibilityTimeout: 'string',
    },
    ['queueName'],
  ),
  'iam.services.k8s.aws/v1alpha1/Policy': resource(
    {
      description: 'string',
      name: 'string',
      path: 'string',
      policyDocument: 'string',
      tags: TAG_LIST,
    },
    ['name', 'policyDocument'],
  ),
  'iam.services.k8s.aws/v1alpha1/Role': resource(
    {
      assumeRolePolicyDocument: 'string',
      description: 'string',
      inlinePolicies: 'stringMap',
      maxSessionDuration: 'integer',
      name: 'string',
      path: 'string',
      permissionsBoundary: 'string',
      permissionsBoundaryRef: REFERENCE,
      policies: { array: 'string' },
      policyRefs: { array: REFERENCE },
      tags: TAG_LIST,
    },
    ['assumeRolePolicyDocument', 'name'],
  ),
  'eks.services.k8s.aws/v1alpha1/PodIdentityAssociation': resource(
    {
      clientRequestToken: 'string',
      clusterName: 'string',
      clusterRef: REFERENCE,
      disableSessionTags: 'boolean',
      namespace: 'string',
      policy: 'string',
      roleARN: 'string',
      roleRef: REFERENCE,
      serviceAccount: 'string',
      tags: 'stringMap',
      targetRoleARN: 'string',
      targetRoleRef: REFERENCE,
    },
    ['namespace', 'serviceAccount'],
  ),
};
