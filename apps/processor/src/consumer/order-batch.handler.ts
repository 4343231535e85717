import { ChangeMessageVisibilityBatchCommand, Message, SQSClient } from '@aws-sdk/client-sqs';
import { Injectable, Logger } from '@nestjs/common';
import { ProcessorConfig } from '@orders/config';
import { envelopeRoute } from '@orders/contracts';
import { ProcessorMetrics } from '../health/processor.metrics';
import { ProcessingErrorCode, ProcessingException, toProcessingException } from '../orders/processing.exception';
import { DatabaseGate } from './database-gate';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { PollerRegistry } from './poller.registry';
import { SqsBridgeServer } from './sqs-bridge.server';
import { SqsMessageContext } from './sqs-message.context';

type Outcome = { message: Message; ack: boolean; failure?: ProcessingException };

/**
 * One received batch: every message goes through the Nest message pipeline concurrently (their
 * writes share one transaction), then each is settled on its own: acknowledged when stored,
 * dead-lettered with its reason when it can never succeed, or handed back to SQS with a growing
 * delay when the failure is transient. Returns the messages to delete (partial-batch ack).
 */
@Injectable()
export class OrderBatchHandler {
  private readonly logger = new Logger(OrderBatchHandler.name);

  constructor(
    private readonly bridge: SqsBridgeServer,
    private readonly deadLetters: DeadLetterPublisher,
    private readonly gate: DatabaseGate,
    private readonly pollers: PollerRegistry,
    private readonly sqs: SQSClient,
    private readonly config: ProcessorConfig,
    private readonly metrics: ProcessorMetrics,
  ) {}

  async handle(poller: string, messages: Message[]): Promise<Message[]> {
    if (this.pollers.isDraining) {
      // Received while shutting down: hand back at once for another replica.
      await this.changeVisibility(messages, () => 0);
      return [];
    }
    this.pollers.batchStarted(poller);
    try {
      this.metrics.batchSize.observe(messages.length);
      const outcomes = await this.withTimeout(Promise.all(messages.map((message) => this.process(message))), messages);
      return await this.settle(outcomes);
    } finally {
      this.pollers.batchFinished(poller);
    }
  }

  private async process(message: Message): Promise<Outcome> {
    try {
      const envelope = parseBody(message.Body);
      await this.bridge.dispatch(envelopeRoute(String(envelope.type), Number(envelope.version)), envelope, new SqsMessageContext([message]));
      return { message, ack: true };
    } catch (error) {
      return { message, ack: false, failure: toProcessingException(error) };
    }
  }

  private async settle(outcomes: Outcome[]): Promise<Message[]> {
    const acked = outcomes.filter((outcome) => outcome.ack).map((outcome) => outcome.message);
    const permanent = outcomes.filter((outcome) => outcome.failure?.kind === 'permanent');
    const transient = outcomes.filter((outcome) => outcome.failure?.kind === 'transient');

    for (const outcome of permanent) {
      const failure = outcome.failure as ProcessingException;
      try {
        await this.deadLetters.publish(outcome.message, failure);
        this.metrics.deadLettered.inc({ code: failure.code });
        acked.push(outcome.message);
        this.logger.warn({ msg: 'order message dead-lettered', code: failure.code, reason: failure.message, messageId: outcome.message.MessageId });
      } catch (error) {
        // Not in the DLQ, so not deleted either: SQS redelivers it and we try again.
        this.logger.error({ msg: 'could not dead-letter a message; it stays in the queue', messageId: outcome.message.MessageId, error: String(error) });
      }
    }

    if (transient.length > 0) {
      for (const outcome of transient) {
        this.metrics.redeliveries.inc({ code: (outcome.failure as ProcessingException).code });
      }
      await this.changeVisibility(
        transient.map((outcome) => outcome.message),
        (message) => this.redeliveryDelay(message),
      );
      const databaseDown = transient.every((outcome) => outcome.failure?.code === ProcessingErrorCode.DatabaseUnavailable);
      if (databaseDown && acked.length === 0) {
        this.gate.reportOutage((transient[0].failure as ProcessingException).message);
      }
    }
    return acked;
  }

  /** Exponential backoff through the visibility timeout: base × 2^(receives − 1), capped. */
  private redeliveryDelay(message: Message): number {
    const receives = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const delay = this.config.REDELIVERY_BASE_SECONDS * 2 ** Math.max(0, receives - 1);
    return Math.min(Math.round(delay), this.config.REDELIVERY_MAX_SECONDS);
  }

  private async changeVisibility(messages: Message[], seconds: (message: Message) => number): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      try {
        await this.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.config.ORDERS_QUEUE_URL,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: seconds(message),
            })),
          }),
        );
      } catch (error) {
        // The message simply reappears after the normal visibility timeout.
        this.logger.warn({ msg: 'could not change visibility', messages: chunk.length, error: String(error) });
      }
    }
  }

  private async withTimeout(work: Promise<Outcome[]>, messages: Message[]): Promise<Outcome[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome[]>((resolve) => {
      timer = setTimeout(() => {
        const failure = new ProcessingException(ProcessingErrorCode.HandlerTimeout, `Batch not finished within ${this.config.HANDLER_TIMEOUT_MS} ms`);
        resolve(messages.map((message) => ({ message, ack: false, failure })));
      }, this.config.HANDLER_TIMEOUT_MS);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseBody(body: string | undefined): { type?: unknown; version?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    throw new ProcessingException(ProcessingErrorCode.MalformedJson, 'Message body is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ProcessingException(ProcessingErrorCode.MalformedJson, 'Message body is not a JSON object');
  }
  return parsed as { type?: unknown; version?: unknown };
}
