export enum OrdersErrorCode {
  QueueUnavailable = 'QUEUE_UNAVAILABLE',
  // The send may have enqueued the order: the client is told which id to check.
  OutcomeUnknown = 'OUTCOME_UNKNOWN',
  RefusedByQueue = 'REFUSED_BY_QUEUE',
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  OrderNotFound = 'ORDER_NOT_FOUND',
  InvalidOrderId = 'INVALID_ORDER_ID',
  InvalidIdempotencyKey = 'INVALID_IDEMPOTENCY_KEY',
}

/** Domain errors of the orders feature; the HTTP mapping lives in one filter. */
export class OrdersException extends Error {
  constructor(
    readonly code: OrdersErrorCode,
    message: string,
    override readonly cause?: unknown,
    /** The order id the request used, where the client needs it to check the outcome. */
    readonly orderId?: string,
  ) {
    super(message);
    this.name = 'OrdersException';
  }
}
