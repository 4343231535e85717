import { FieldProblem } from '@orders/contracts';

export enum OperationsErrorCode {
  InvalidRequest = 'INVALID_REQUEST',
  FilterRequired = 'FILTER_REQUIRED',
  ConfirmationRequired = 'CONFIRMATION_REQUIRED',
  InvalidOrder = 'INVALID_ORDER',
  NotEditable = 'NOT_EDITABLE',
  NotFound = 'NOT_FOUND',
  DlqHasRedrivePolicy = 'DLQ_HAS_REDRIVE_POLICY',
  ScanInProgress = 'SCAN_IN_PROGRESS',
  AuditUnavailable = 'AUDIT_UNAVAILABLE',
  QueueUnavailable = 'QUEUE_UNAVAILABLE',
}

/** Errors of DLQ operations; doors/error-answers.ts maps them to exit codes and HTTP, once. */
export class OperationsException extends Error {
  constructor(
    readonly code: OperationsErrorCode,
    message: string,
    override readonly cause?: unknown,
    /** Which fields of an edited order break the contract. */
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = 'OperationsException';
  }
}
