import { Catch, RpcExceptionFilter } from '@nestjs/common';
import { Observable, throwError } from 'rxjs';
import { toProcessingException } from './processing.exception';

/**
 * Nest's default RPC filter would turn every error into "Internal server error"; this keeps the
 * classified failure (code + permanent/transient) for the batch processor to act on.
 */
@Catch()
export class MessageFailureFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => toProcessingException(exception));
  }
}
