import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { EnvelopeRoute } from '@orders/contracts';
import { lastValueFrom } from 'rxjs';
import { ProcessingErrorCode, ProcessingException } from '../orders/processing.exception';
import { SqsMessageContext } from './sqs-message.context';

/**
 * A Nest microservice transport whose only job is dispatch: @ssut/nestjs-sqs owns the SQS consumers
 * and hands each message here, and Nest's microservice pipeline then runs the matching
 * `@EventPattern({ type, version })` handler with its pipes, interceptors and exception filters —
 * which @ssut/nestjs-sqs handlers do not get on their own. Unlike Server.handleEvent, dispatch
 * waits for the handler and returns its outcome, so the caller can acknowledge per message.
 */
export class SqsBridgeServer extends Server implements CustomTransportStrategy {
  listen(callback: () => void): void {
    callback();
  }

  close(): void {
    // Nothing to close: the consumers belong to @ssut/nestjs-sqs.
  }

  on(): void {
    throw new Error('SqsBridgeServer has no transport events');
  }

  unwrap<T>(): T {
    throw new Error('SqsBridgeServer wraps no client');
  }

  async dispatch(
    route: EnvelopeRoute,
    payload: unknown,
    context: SqsMessageContext,
  ): Promise<unknown> {
    const handler = this.getHandlerByPattern(
      this.normalizePattern({ type: route.type, version: route.version }),
    );
    if (!handler) {
      throw new ProcessingException(
        ProcessingErrorCode.UnsupportedMessage,
        `No handler for message type "${String(route.type)}" version ${String(route.version)}`,
      );
    }
    return lastValueFrom(this.transformToObservable(await handler(payload, context)), {
      defaultValue: undefined,
    });
  }
}
