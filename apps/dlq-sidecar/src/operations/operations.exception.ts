export enum OperationsErrorCode {
  FilterRequired = 'FILTER_REQUIRED',
  InvalidFilter = 'INVALID_FILTER',
  NotFound = 'NOT_FOUND',
  ConfirmationRequired = 'CONFIRMATION_REQUIRED',
  AuditUnavailable = 'AUDIT_UNAVAILABLE',
  QueueUnavailable = 'QUEUE_UNAVAILABLE',
}

/** Errors of DLQ operations; the CLI and the admin API each map them in one place. */
export class OperationsException extends Error {
  constructor(
    readonly code: OperationsErrorCode,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'OperationsException';
  }
}
