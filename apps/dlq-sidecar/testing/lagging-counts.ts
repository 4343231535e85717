import { SQSClient } from '@aws-sdk/client-sqs';

export interface StaleCounts {
  visible?: number;
  inFlight?: number;
  delayed?: number;
}

/**
 * Makes a client see ApproximateNumberOf* counts as Amazon SQS may serve them: up to a minute
 * old. fauxqs's counts are exact and immediate, which hides code that trusts them. The queue
 * itself stays real; only the counts reported are replaced (the object can change during a test).
 */
export function lagCounts(sqs: SQSClient, stale: StaleCounts): SQSClient {
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'GetQueueAttributesCommand') {
        const output = result.output as { Attributes?: Record<string, string> };
        const attributes = output.Attributes ?? {};
        const replace = (name: string, value: number | undefined) => {
          if (value !== undefined && name in attributes) {
            attributes[name] = String(value);
          }
        };
        replace('ApproximateNumberOfMessages', stale.visible);
        replace('ApproximateNumberOfMessagesNotVisible', stale.inFlight);
        replace('ApproximateNumberOfMessagesDelayed', stale.delayed);
      }
      return result;
    },
    { step: 'initialize', name: 'lagCounts' },
  );
  return sqs;
}
