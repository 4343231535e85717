import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { answerOf } from '../error-answers';

/** Errors of the admin API as HTTP answers, by the mapping both doors share. */
@Catch()
export class AdminExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(AdminExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const { statusCode, code, message, fields } = answerOf(exception);
    if (statusCode === HttpStatus.INTERNAL_SERVER_ERROR) {
      this.logger.error({
        msg: 'admin request failed',
        error: exception instanceof Error ? exception.stack : String(exception),
      });
    }
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(statusCode)
      .send({
        statusCode,
        error: STATUS_CODES[statusCode] ?? 'Error',
        code,
        message: statusCode === HttpStatus.INTERNAL_SERVER_ERROR ? 'Unexpected error' : message,
        fields,
      });
  }
}
