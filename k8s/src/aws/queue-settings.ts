import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { K8S_ROOT } from '../lib/manifests';

/**
 * The queue attributes every environment shares, in one file (components/aws-ack/queue-settings.json):
 * the ACK component, the coherence checks, the alert threshold, the simulator and the deploy guide's
 * `aws` commands all read these numbers. The visibility timeout is not here: it is the processor's
 * VISIBILITY_TIMEOUT_SECONDS of each overlay.
 */
export interface QueueSettings {
  /** Receives before SQS moves an order to the DLQ itself (redrive policy). */
  maxReceiveCount: number;
  /** The orders queue's MessageRetentionPeriod: what a broken rollout may last before orders expire. */
  messageRetentionSeconds: number;
  /** The DLQ's; counted from the order's first send, so never shorter than the main queue's. */
  deadLetterRetentionSeconds: number;
  receiveMessageWaitTimeSeconds: number;
  /** SQS-managed server-side encryption (SSE-SQS): no key policy, no KMS permissions in the roles. */
  encryption: 'sqs-managed';
  /** OrdersQueueOldestMessageTooOld fires above this age. */
  oldestMessageAlertSeconds: number;
}

export const QUEUE_SETTINGS_FILE = path.join(
  K8S_ROOT,
  'components',
  'aws-ack',
  'queue-settings.json',
);

/** SQS's longest retention, 14 days: the promise needs every accepted order kept that long. */
export const FOURTEEN_DAYS_SECONDS = 14 * 24 * 3600;

const NUMBERS = [
  'maxReceiveCount',
  'messageRetentionSeconds',
  'deadLetterRetentionSeconds',
  'receiveMessageWaitTimeSeconds',
  'oldestMessageAlertSeconds',
] as const;

export function queueSettings(file = QUEUE_SETTINGS_FILE): QueueSettings {
  const settings = JSON.parse(readFileSync(file, 'utf8')) as QueueSettings;
  const problems = NUMBERS.filter(
    (key) => !Number.isInteger(settings[key]) || settings[key] < 0,
  ).map(
    (key) =>
      `${key} must be a whole number of ${key === 'maxReceiveCount' ? 'receives' : 'seconds'}`,
  );
  // KMS would need kms:GenerateDataKey and kms:Decrypt in every sending and receiving role, and a key policy.
  if (settings.encryption !== 'sqs-managed') {
    problems.push('encryption: only "sqs-managed" is supported (SSE-SQS)');
  }
  if (problems.length > 0) {
    throw new Error(`${path.relative(K8S_ROOT, file)}: ${problems.join('; ')}`);
  }
  return settings;
}
