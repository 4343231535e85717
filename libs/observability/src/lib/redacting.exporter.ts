import type { Attributes } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-node';

/** Longest string attribute value exported; the provider's span limits cut at the same length. */
export const MAX_ATTRIBUTE_LENGTH = 1024;

// SQL string literals, plain ('…', '' inside) or with backslash escapes (E'…'), and dollar
// quoting; one cut short by a length limit runs to the end.
const SQL_LITERALS =
  /\b[Ee]'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)|'(?:[^']|'')*(?:'|$)|\$([A-Za-z_]*)\$[\s\S]*?(?:\$\1\$|$)/g;
const STATEMENT_KEYS = ['db.query.text', 'db.statement'];
// Query strings may carry anything a caller typed; the path and route are kept.
const URL_KEYS = ['url.full', 'http.url', 'http.target', 'url.query'];

/** A statement with every literal replaced by `?`: its shape stays readable, its values do not leave. */
export function sanitiseSql(statement: string): string {
  return statement.replace(SQL_LITERALS, '?').replace(/\s+/g, ' ').trim();
}

/**
 * What leaves the process is checked here, off the request path, whatever instrumentation set it:
 * SQL literals (the processor stores a batch as one JSON literal of up to ten orders) become `?`,
 * query strings are dropped, and every string is capped.
 */
export class RedactingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans.map(redactSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function redactSpan(span: ReadableSpan): ReadableSpan {
  const attributes = redactAttributes(span.attributes);
  const events = span.events.map((event) =>
    event.attributes ? { ...event, attributes: redactAttributes(event.attributes) } : event,
  );
  // The exporter reads the span's fields; a copy with the redacted ones keeps the rest.
  return Object.assign(Object.create(span) as ReadableSpan, {
    attributes,
    events,
    name: cap(span.name),
    status: span.status.message
      ? { ...span.status, message: cap(span.status.message) }
      : span.status,
  });
}

export function redactAttributes(attributes: Attributes): Attributes {
  const redacted: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'string') {
      redacted[key] = value;
    } else if (STATEMENT_KEYS.includes(key)) {
      redacted[key] = cap(sanitiseSql(value));
    } else if (URL_KEYS.includes(key)) {
      const path = key === 'url.query' ? '' : value.split('?', 1)[0];
      if (path) {
        redacted[key] = cap(path);
      }
    } else {
      redacted[key] = cap(value);
    }
  }
  return redacted;
}

function cap(value: string): string {
  return value.length > MAX_ATTRIBUTE_LENGTH
    ? `${value.slice(0, MAX_ATTRIBUTE_LENGTH - 1)}…`
    : value;
}
