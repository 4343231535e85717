import { FieldProblem } from '@orders/contracts';

export enum OperationsErrorCode {
  InvalidRequest = 'INVALID_REQUEST',
  FilterRequired = 'FILTER_REQUIRED',
  ConfirmationRequired = 'CONFIRMATION_REQUIRED',
  InvalidOrder = 'INVALID_ORDER',
  NotEditable = 'NOT_EDITABLE',
  NotFound = 'NOT_FOUND',
  PlanNotApplicable = 'PLAN_NOT_APPLICABLE',
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  QueueUnavailable = 'QUEUE_UNAVAILABLE',
}

/** Errors of operations on records; doors/error-answers.ts maps them to exit codes and HTTP, once. */
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

/** Who acts, through which door: every change is audited under it. */
export interface Actor {
  actor: string;
  via: 'cli' | 'http';
}

export function notFound(what: string): OperationsException {
  return new OperationsException(OperationsErrorCode.NotFound, `${what} not found`);
}
