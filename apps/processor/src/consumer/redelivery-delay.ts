import type { Message } from '@aws-sdk/client-sqs';
import type { ProcessorConfig } from '@orders/config';

/**
 * Exponential backoff through the visibility timeout after a transient failure:
 * base × 2^(receives − 1), capped. SQS counts the receives, so the delay survives restarts.
 */
export function redeliveryDelaySeconds(
  message: Pick<Message, 'Attributes'>,
  config: Pick<ProcessorConfig, 'REDELIVERY_BASE_SECONDS' | 'REDELIVERY_MAX_SECONDS'>,
): number {
  const receives = Math.max(1, Number(message.Attributes?.ApproximateReceiveCount ?? 1) || 1);
  // 2^30 s is already far beyond the cap; the exponent is clamped so the number stays finite.
  const delay = config.REDELIVERY_BASE_SECONDS * 2 ** Math.min(receives - 1, 30);
  return Math.min(Math.round(delay), config.REDELIVERY_MAX_SECONDS);
}
