import { ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  ReadableSpan,
  SimpleSpanProcessor,
  SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { escapeLiteral } from 'pg';
import { MAX_ATTRIBUTE_LENGTH, RedactingExporter, sanitiseSql } from './redacting.exporter';

const MARKER = 'marker-customer-7f3a';

// The shape of the processor's batch INSERT: the orders as one JSON literal (E'' with a backslash).
const batchInsert = (json: string) =>
  `SET LOCAL statement_timeout = 10000; WITH incoming AS (SELECT * FROM json_to_recordset(${escapeLiteral(json)}) AS incoming (order_id uuid, customer_id text)), inserted AS (INSERT INTO orders (order_id, customer_id) SELECT order_id, customer_id FROM incoming ON CONFLICT (order_id) DO NOTHING RETURNING order_id) SELECT order_id FROM inserted`;

/** Spans as the OTLP exporter would receive them after the redacting one. */
function exportThrough(record: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void) {
  const exported: ReadableSpan[] = [];
  const sink: SpanExporter = {
    export: (spans: ReadableSpan[], done: (result: ExportResult) => void) => {
      exported.push(...spans);
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => undefined,
  };
  const provider = new BasicTracerProvider({
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor(new RedactingExporter(sink))],
  });
  record(provider.getTracer('test'));
  return exported;
}

describe(RedactingExporter.name, () => {
  it('should export a statement without its literals, keeping its keywords', () => {
    const rows = [{ order_id: 'b1', customer_id: MARKER, sku: "O'Brien \\ back" }];
    const [span] = exportThrough((tracer) =>
      tracer
        .startSpan('pg.query:SET orders', {
          attributes: { 'db.query.text': batchInsert(JSON.stringify(rows)) },
        })
        .end(),
    );

    const text = String(span.attributes['db.query.text']);
    expect(text).toContain('INSERT INTO orders');
    expect(text).toMatch(/json_to_recordset\( ?\?\)/);
    expect(JSON.stringify(span)).not.toContain(MARKER);
  });

  it('should drop query strings and cap every string, in attributes and events', () => {
    const [span] = exportThrough((tracer) => {
      const span = tracer.startSpan('GET /orders/:orderId', {
        attributes: {
          'url.full': `http://gateway/orders?customer=${MARKER}`,
          'url.query': `customer=${MARKER}`,
          'http.target': `/orders?customer=${MARKER}`,
          note: 'x'.repeat(10_000),
        },
      });
      span.addEvent('exception', { 'exception.message': 'y'.repeat(10_000) });
      span.end();
    });

    expect(span.attributes).toMatchObject({
      'url.full': 'http://gateway/orders',
      'http.target': '/orders',
    });
    expect(span.attributes['url.query']).toBeUndefined();
    expect(String(span.attributes.note)).toHaveLength(MAX_ATTRIBUTE_LENGTH);
    expect(String(span.events[0].attributes?.['exception.message'])).toHaveLength(
      MAX_ATTRIBUTE_LENGTH,
    );
    expect(JSON.stringify(span)).not.toContain(MARKER);
  });
});

describe(sanitiseSql.name, () => {
  it('should replace a literal that a length limit cut short, up to the end', () => {
    const cut = batchInsert(JSON.stringify([{ customer_id: MARKER }])).slice(0, 120);

    expect(sanitiseSql(cut)).toBe(
      'SET LOCAL statement_timeout = 10000; WITH incoming AS (SELECT * FROM json_to_recordset(?',
    );
  });

  it('should replace dollar-quoted text and keep parameters', () => {
    expect(sanitiseSql(`SELECT $1, $tag$${MARKER}$tag$, 'a''b' FROM t WHERE x = $2`)).toBe(
      'SELECT $1, ?, ? FROM t WHERE x = $2',
    );
  });
});
