import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { OperationsErrorCode, OperationsException } from '../operations/operations.exception';

/** The one place where errors of the admin API become HTTP answers. */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AdminExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let statusCode: number;
    let message: string;
    let code: string | undefined;
    if (exception instanceof OperationsException) {
      statusCode = statusOf(exception.code);
      message = exception.message;
      code = exception.code;
    } else if (exception instanceof HttpException) {
      statusCode = exception.getStatus();
      message = exception.message;
    } else {
      statusCode = HttpStatus.INTERNAL_SERVER_ERROR;
      message = 'Unexpected error';
      this.logger.error({
        msg: 'admin request failed',
        error: exception instanceof Error ? exception.stack : String(exception),
      });
    }
    void reply.status(statusCode).send({
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      code,
      message,
    });
  }
}

function statusOf(code: OperationsErrorCode): number {
  switch (code) {
    case OperationsErrorCode.FilterRequired:
    case OperationsErrorCode.InvalidFilter:
    case OperationsErrorCode.ConfirmationRequired:
      return HttpStatus.BAD_REQUEST;
    case OperationsErrorCode.NotFound:
      return HttpStatus.NOT_FOUND;
    case OperationsErrorCode.AuditUnavailable:
    case OperationsErrorCode.QueueUnavailable:
      return HttpStatus.SERVICE_UNAVAILABLE;
  }
}
