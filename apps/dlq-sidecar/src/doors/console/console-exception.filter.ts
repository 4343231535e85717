import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DlqSidecarConfig } from '@orders/config';
import type { FastifyReply } from 'fastify';
import { OperationsErrorCode } from '../../operations/operations.exception';
import { answerOf } from '../error-answers';
import { IdentityErrorCode, IdentityException } from '../identity/identity.exception';
import { problemPage, signInPage } from './pages/sign-in.page';

const PROBLEM_TITLES: Record<string, string> = {
  [OperationsErrorCode.NotFound]: 'Not found',
  [OperationsErrorCode.InvalidRequest]: 'That did not work',
  [OperationsErrorCode.DatabaseUnavailable]: 'The record store is unavailable',
};

/** Console errors as pages: not signed in goes to the sign-in page, the rest says why. */
@Catch()
export class ConsoleExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ConsoleExceptionFilter.name);

  constructor(private readonly config: DlqSidecarConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof IdentityException) {
      if (exception.code === IdentityErrorCode.SignInRequired) {
        void reply.status(303).header('location', '/console/sign-in').send();
        return;
      }
      const page =
        exception.code === IdentityErrorCode.SignInFailed
          ? signInPage(this.config.CONSOLE_SIGN_IN, exception.message)
          : problemPage('Not allowed', exception.message);
      void reply.status(exception.statusCode).type('text/html; charset=utf-8').send(page.text);
      return;
    }
    const answer = answerOf(exception);
    if (answer.code !== undefined) {
      // Operations say what went wrong in words meant for the person: not found, bad input, store down.
      void reply
        .status(answer.statusCode)
        .type('text/html; charset=utf-8')
        .send(problemPage(PROBLEM_TITLES[answer.code] ?? 'Not done', answer.message).text);
      return;
    }
    if (exception instanceof HttpException) {
      void reply
        .status(exception.getStatus())
        .type('text/html; charset=utf-8')
        .send(problemPage('Not found', exception.message).text);
      return;
    }
    this.logger.error({
      msg: 'console request failed',
      error: exception instanceof Error ? exception.stack : String(exception),
    });
    void reply
      .status(500)
      .type('text/html; charset=utf-8')
      .send(problemPage('Something went wrong', 'The error is in the dlq-sidecar log.').text);
  }
}
