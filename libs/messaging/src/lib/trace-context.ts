import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import {
  Attributes,
  context,
  Context,
  Link,
  propagation,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  TextMapGetter,
  TextMapSetter,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { MessageAttribute } from '@orders/contracts';

// Trace context travels in SQS message attributes (`traceparent`, W3C Trace Context) and spans
// follow the OpenTelemetry messaging conventions. Without a registered SDK all of this is a no-op.

type SqsAttributes = Record<string, MessageAttributeValue>;

const tracer = trace.getTracer('@orders/messaging');

const setter: TextMapSetter<SqsAttributes> = {
  set: (carrier, key, value) => {
    carrier[key] = { DataType: 'String', StringValue: value };
  },
};

const getter: TextMapGetter<SqsAttributes> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key]?.StringValue,
};

export type MessagingOperation = 'create' | 'send' | 'process' | 'redrive';

/** The attributes the messaging semantic conventions ask for, for one queue and operation. */
export function messagingAttributes(
  operation: MessagingOperation,
  queueName: string,
  extra: Attributes = {},
): Attributes {
  return {
    'messaging.system': 'aws_sqs',
    'messaging.operation.name': operation,
    'messaging.operation.type': operation === 'redrive' ? 'send' : operation,
    'messaging.destination.name': queueName,
    ...extra,
  };
}

/** A copy of the attributes with the active span's context as the `traceparent` attribute. */
export function withTraceContext(attributes: SqsAttributes): SqsAttributes {
  const copy = { ...attributes };
  propagation.inject(context.active(), copy, setter);
  return copy;
}

/** The context a message was created in, as its attributes carry it. */
export function messageContext(message: Pick<Message, 'MessageAttributes'>): Context {
  return propagation.extract(ROOT_CONTEXT, message.MessageAttributes ?? {}, getter);
}

/** A link to the span that created the message, if its attributes name one. */
export function messageLink(
  message: Pick<Message, 'MessageAttributes' | 'MessageId'>,
): Link | undefined {
  const span = trace.getSpanContext(messageContext(message));
  return span
    ? {
        context: span,
        attributes: message.MessageId ? { 'messaging.message.id': message.MessageId } : {},
      }
    : undefined;
}

/**
 * Runs `work` in a new active span (child of `parent`); a throw or a failure named by `failureOf`
 * marks the span as an error.
 */
export function inSpan<T>(
  name: string,
  options: { kind: SpanKind; attributes?: Attributes; links?: Link[]; parent?: Context },
  work: (span: Span) => Promise<T>,
  failureOf: (result: T) => string | undefined = () => undefined,
): Promise<T> {
  const { parent = context.active(), ...spanOptions } = options;
  const local = trace.getSpan(parent);
  const known = local?.spanContext();
  if (known && !known.isRemote && (known.traceFlags & TraceFlags.SAMPLED) === 0) {
    // Inside a local span nobody records, no sampler here records a child (they follow the parent
    // or its trace id): the work runs in that span, and the hot path builds no span per order.
    return parent === context.active()
      ? work(local as Span)
      : context.with(parent, () => work(local as Span));
  }
  return tracer.startActiveSpan(name, spanOptions, parent, async (span) => {
    try {
      const result = await work(span);
      const failure = failureOf(result);
      if (failure) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
      }
      return result;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * One span for a SendMessageBatch of messages that each carry their own creation context: it
 * links to every one of them, and the AWS SDK instrumentation is kept from overwriting their
 * `traceparent` with this batch's context. Like the processor's batch span, it continues the trace
 * of a lone message and starts its own for a batch of several.
 */
export function sendBatchInSpan<T>(
  queueName: string,
  messages: SqsAttributes[],
  send: () => Promise<T>,
  failureOf?: (result: T) => string | undefined,
): Promise<T> {
  // Recorded only for a batch that carries a sampled order: otherwise it would be a trace of its
  // own that links to traces nobody exports, and unsampled batches (every one while nothing is
  // exported) cost no parsing of their messages' context and no span.
  if (!messages.some(inSampledTrace)) {
    return untraced(send);
  }
  const links = messages
    .map((attributes) => messageLink({ MessageAttributes: attributes }))
    .filter((link): link is Link => link !== undefined);
  return inSpan(
    `send ${queueName}`,
    {
      kind: SpanKind.CLIENT,
      parent:
        messages.length === 1 ? messageContext({ MessageAttributes: messages[0] }) : ROOT_CONTEXT,
      links,
      attributes: messagingAttributes('send', queueName, {
        'messaging.batch.message_count': messages.length,
      }),
    },
    () => untraced(send),
    failureOf,
  );
}

// Read from the attribute itself: the flags are the traceparent's last two hex digits.
function inSampledTrace(attributes: SqsAttributes): boolean {
  const traceparent = attributes[MessageAttribute.TraceParent]?.StringValue;
  return (
    traceparent !== undefined &&
    (parseInt(traceparent.slice(-2), 16) & TraceFlags.SAMPLED) === TraceFlags.SAMPLED
  );
}

/** Runs `work` without spans: SQS calls no one needs in a trace, such as empty long polls. */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}

export function queueNameOfUrl(queueUrl: string): string {
  return queueUrl.replace(/\/+$/, '').split('/').pop() ?? queueUrl;
}

/**
 * One consumer span per received batch (the batch is stored in one statement), linked to the
 * creation context of every message in it, as the messaging conventions do for batches. A batch of
 * one message continues that message's trace, so a lone order reads as one trace from HTTP to the
 * INSERT; a larger batch starts its own trace, reached from each order by its link.
 */
export function processBatchInSpan<T>(
  queueName: string,
  messages: Pick<Message, 'MessageAttributes' | 'MessageId'>[],
  work: () => Promise<T>,
): Promise<T> {
  return inSpan(
    `process ${queueName}`,
    {
      kind: SpanKind.CONSUMER,
      parent: messages.length === 1 ? messageContext(messages[0]) : ROOT_CONTEXT,
      links: messages.map(messageLink).filter((link): link is Link => link !== undefined),
      attributes: messagingAttributes('process', queueName, {
        'messaging.batch.message_count': messages.length,
      }),
    },
    work,
  );
}

/**
 * Runs `work` (log lines, a dead-letter send about one message) in that message's own trace, unless
 * the active span already belongs to it; `work` then learns the trace it was taken out of.
 */
export function inMessageTrace<T>(
  message: Pick<Message, 'MessageAttributes'>,
  work: (outerTraceId?: string) => T,
): T {
  const own = messageContext(message);
  const traceId = trace.getSpanContext(own)?.traceId;
  const outer = trace.getActiveSpan()?.spanContext().traceId;
  return traceId && traceId !== outer ? context.with(own, () => work(outer)) : work();
}

/**
 * A redrive of dead letters back to their queue: a new trace (or the operator's request) that
 * links to each letter's original trace. The SDK's send span inside it writes its own context
 * into the redriven messages, so their processing joins the redrive's trace.
 */
export function redriveInSpan<T>(
  queueName: string,
  letters: Pick<Message, 'MessageAttributes' | 'MessageId'>[],
  send: () => Promise<T>,
): Promise<T> {
  return inSpan(
    `redrive ${queueName}`,
    {
      kind: SpanKind.PRODUCER,
      links: letters.map(messageLink).filter((link): link is Link => link !== undefined),
      attributes: messagingAttributes('redrive', queueName, {
        'messaging.batch.message_count': letters.length,
      }),
    },
    send,
  );
}
