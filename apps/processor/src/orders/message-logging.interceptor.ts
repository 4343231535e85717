import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';
import { SqsMessageContext } from '../consumer/sqs-message.context';
import { toProcessingException } from './processing.exception';

/** Every message outcome is logged with the order id and the correlation id from the gateway. */
@Injectable()
export class MessageLoggingInterceptor implements NestInterceptor {
  private readonly logger = new Logger('OrderMessages');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const rpc = context.switchToRpc();
    const message = rpc.getContext<SqsMessageContext>();
    const orderId = (rpc.getData() as { orderId?: unknown })?.orderId;
    const fields = {
      orderId,
      correlationId: message.correlationId,
      messageId: message.message.MessageId,
      receiveCount: message.receiveCount,
    };
    const started = process.hrtime.bigint();
    return next.handle().pipe(
      tap({
        next: (outcome) =>
          this.logger.log({
            msg: 'order message handled',
            outcome,
            ...fields,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        error: (error: unknown) => {
          const failure = toProcessingException(error);
          this.logger.warn({
            msg: 'order message failed',
            code: failure.code,
            kind: failure.kind,
            reason: failure.message,
            ...fields,
          });
        },
      }),
    );
  }
}
