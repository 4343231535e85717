import type { Message } from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import { ProcessorConfig } from '@orders/config';
import { envelopeRoute } from '@orders/contracts';
import { lastValueFrom } from 'rxjs';
import {
  ProcessingErrorCode,
  ProcessingException,
  toProcessingException,
} from '../messages/processing.exception';
import { MessageOutcome, ReceivedMessage } from '../messages/received-message';
import { HandledMessage } from './batch-settler';

/**
 * Nest's microservice pipeline for the batches @ssut/nestjs-sqs receives: its handlers run
 * without Nest's filters and interceptors, so each batch is routed from here to the
 * `@EventPattern({ type, version })` handler of its message type (one event per type, filters
 * applied). It receives nothing itself: `listen` only registers the handlers.
 */
@Injectable()
export class OrderMessageRouter extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(OrderMessageRouter.name);
  // Aborted shortly before the drain deadline: batches still running then are handed back.
  private readonly cutoff = new AbortController();

  constructor(private readonly config: ProcessorConfig) {
    super();
  }

  listen(callback: () => void): void {
    callback();
  }

  close(): void {
    // Nothing to close: the SQS consumers belong to @ssut/nestjs-sqs.
  }

  on(): void {
    throw new Error('OrderMessageRouter has no transport events');
  }

  unwrap<T>(): T {
    throw new Error('OrderMessageRouter wraps no client');
  }

  /** From now on a batch still being handled counts as a transient failure (the drain's cut-off). */
  cutOff(): void {
    this.cutoff.abort();
  }

  /** Parses every body once, then hands each message type its share of the batch in one call. */
  async dispatch(messages: Message[]): Promise<HandledMessage[]> {
    const handled: HandledMessage[] = [];
    const events = new Map<MessageHandler, ReceivedMessage[]>();
    for (const message of messages) {
      const body = parseBody(message.Body);
      if (body instanceof ProcessingException) {
        handled.push({ message, outcome: body });
        continue;
      }
      const route = envelopeRoute(String(body.type), Number(body.version));
      const handler = this.getHandlerByPattern(this.normalizePattern({ ...route }));
      if (!handler) {
        const reason = `No handler for message type "${route.type}" version ${route.version}`;
        handled.push({
          message,
          body,
          outcome: new ProcessingException(ProcessingErrorCode.UnsupportedMessage, reason),
        });
        continue;
      }
      const event = events.get(handler) ?? [];
      events.set(handler, event);
      event.push({ message, body });
    }
    const { expired, cancel } = this.expiry();
    try {
      for (const [handler, received] of events) {
        const outcomes = await Promise.race([this.invoke(handler, received), expired]);
        received.forEach(({ message, body }, index) =>
          handled.push({
            message,
            body,
            outcome: Array.isArray(outcomes)
              ? (outcomes[index] ?? toProcessingException(new Error('The handler gave no outcome')))
              : outcomes,
          }),
        );
      }
    } finally {
      cancel();
    }
    return handled;
  }

  private async invoke(
    handler: MessageHandler,
    received: ReceivedMessage[],
  ): Promise<MessageOutcome[] | ProcessingException> {
    try {
      return await lastValueFrom(this.transformToObservable(await handler(received)));
    } catch (error) {
      return toProcessingException(error);
    }
  }

  /**
   * A batch not handled by HANDLER_TIMEOUT_MS (or by the drain's cut-off) counts as a transient
   * failure and is handed back.
   */
  private expiry(): { expired: Promise<ProcessingException>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined;
    let onCutoff: () => void = () => undefined;
    const expired = new Promise<ProcessingException>((resolve) => {
      const expire = (reason: string) =>
        resolve(new ProcessingException(ProcessingErrorCode.HandlerTimeout, reason));
      const timeout = this.config.HANDLER_TIMEOUT_MS;
      timer = setTimeout(
        () => expire(`Not stored within HANDLER_TIMEOUT_MS (${timeout} ms)`),
        timeout,
      );
      onCutoff = () => expire('Not stored before the drain deadline');
      if (this.cutoff.signal.aborted) {
        onCutoff();
      }
      this.cutoff.signal.addEventListener('abort', onCutoff, { once: true });
    });
    return {
      expired,
      cancel: () => {
        clearTimeout(timer);
        this.cutoff.signal.removeEventListener('abort', onCutoff);
      },
    };
  }
}

function parseBody(body: string | undefined): Record<string, unknown> | ProcessingException {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch (error) {
    return new ProcessingException(
      ProcessingErrorCode.MalformedJson,
      'Message body is not valid JSON',
      undefined,
      error,
    );
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : new ProcessingException(
        ProcessingErrorCode.MalformedJson,
        'Message body is not a JSON object',
      );
}
