import { ArgumentsHost, Catch } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OperationsException } from '../../operations/operations.exception';
import { answerOf } from '../error-answers';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { problemPage } from './pages/sign-in.page';

/** The actions' refusals (not found, not applicable, bad input) as pages that say why; the rest as every console page. */
@Catch()
export class ConsoleActionsExceptionFilter extends ConsoleExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (!(exception instanceof OperationsException)) {
      super.catch(exception, host);
      return;
    }
    const { statusCode } = answerOf(exception);
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(statusCode)
      .type('text/html; charset=utf-8')
      .send(problemPage('That did not work', exception.message).text);
  }
}
