import { HttpException, HttpStatus } from '@nestjs/common';
import { FieldProblem } from '@orders/contracts';
import { OperationsErrorCode, OperationsException } from '../operations/operations.exception';
import { IdentityException } from './identity/identity.exception';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  notFound: 3,
  interrupted: 4,
  paused: 5,
} as const;

// The one place where errors become exit codes and HTTP statuses, for both doors.
const { usage, failed, notFound } = EXIT;
const ANSWERS: Record<OperationsErrorCode, [exitCode: number, statusCode: HttpStatus]> = {
  [OperationsErrorCode.InvalidRequest]: [usage, HttpStatus.BAD_REQUEST],
  [OperationsErrorCode.FilterRequired]: [usage, HttpStatus.BAD_REQUEST],
  [OperationsErrorCode.ConfirmationRequired]: [usage, HttpStatus.BAD_REQUEST],
  [OperationsErrorCode.InvalidOrder]: [usage, HttpStatus.BAD_REQUEST],
  [OperationsErrorCode.NotFound]: [notFound, HttpStatus.NOT_FOUND],
  [OperationsErrorCode.NotEditable]: [failed, HttpStatus.CONFLICT],
  [OperationsErrorCode.PlanNotApplicable]: [failed, HttpStatus.CONFLICT],
  [OperationsErrorCode.DatabaseUnavailable]: [failed, HttpStatus.SERVICE_UNAVAILABLE],
  [OperationsErrorCode.QueueUnavailable]: [failed, HttpStatus.SERVICE_UNAVAILABLE],
};

export interface ErrorAnswer {
  exitCode: number;
  statusCode: number;
  code?: string;
  message: string;
  fields?: FieldProblem[];
}

export function answerOf(error: unknown): ErrorAnswer {
  if (error instanceof OperationsException) {
    const [exitCode, statusCode] = ANSWERS[error.code];
    return { exitCode, statusCode, code: error.code, message: error.message, fields: error.fields };
  }
  if (isDatabaseError(error)) {
    const message = `The record store (PostgreSQL) cannot be reached: ${(error as Error).message}`;
    return answerOf(new OperationsException(OperationsErrorCode.DatabaseUnavailable, message));
  }
  const identity = error instanceof IdentityException ? error : undefined;
  return {
    exitCode: EXIT.failed,
    statusCode:
      identity?.statusCode ??
      (error instanceof HttpException ? error.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR),
    code: identity?.code,
    message: error instanceof Error ? error.message : String(error),
  };
}

// pg and TypeORM errors about the connection, not about the request.
function isDatabaseError(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '53300'].includes(code) ||
    /^08/.test(code) ||
    /database connection closed|Connection terminated|timeout exceeded when trying to connect/i.test(
      String(error),
    )
  );
}
