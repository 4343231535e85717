/**
 * SQS message attribute names shared by producer, processor and the DLQ tooling.
 * SQS allows at most 10 attributes per message: a dead letter carries the two trace attributes
 * plus the seven failure attributes.
 */
export const MessageAttribute = {
  CorrelationId: 'correlation-id',
  TraceParent: 'traceparent',
  IdempotencyKey: 'idempotency-key',
  FailureClass: 'failure-class',
  FailureCode: 'failure-code',
  FailureMessage: 'failure-message',
  FailureAttempts: 'failure-attempts',
  FirstFailureAt: 'failure-first-at',
  LastFailureAt: 'failure-last-at',
  FailedBy: 'failed-by',
} as const;

/** Attributes copied from an order message onto its dead letter. */
export const TRACE_ATTRIBUTES = [
  MessageAttribute.CorrelationId,
  MessageAttribute.TraceParent,
] as const;

/** What the processor writes onto a dead letter it moves itself; the DLQ tooling reads the same set. */
export const FAILURE_ATTRIBUTES: readonly string[] = [
  MessageAttribute.FailureClass,
  MessageAttribute.FailureCode,
  MessageAttribute.FailureMessage,
  MessageAttribute.FailureAttempts,
  MessageAttribute.FirstFailureAt,
  MessageAttribute.LastFailureAt,
  MessageAttribute.FailedBy,
];
