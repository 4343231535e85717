import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  Sampler,
  SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_DB_QUERY_TEXT, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '@orders/config';
import { UNTRACED_PATHS, useHttpServerSpans } from './http-server-spans';
import { idsOnlyTracer } from './ids-only.tracer';
import { MAX_ATTRIBUTE_LENGTH, RedactingExporter, sanitiseSql } from './redacting.exporter';
import { TraceparentPropagator } from './traceparent.propagator';
import { UntrustedCallerSampler } from './untrusted-caller.sampler';

export interface Tracing {
  /** Whether spans are recorded and exported (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  /** Exports what is still buffered; call before the process exits. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /**
   * `fastify`: the app's HTTP server spans come from traceHttpRequests (sampled before anything is
   * built, no instrumentation while nothing is exported, and every request a new trace: a caller
   * chooses neither our trace ids nor sampling). `instrumentation` (default): the http, pg and
   * AWS SDK instrumentations, always on.
   */
  httpServerSpans?: 'fastify' | 'instrumentation';
  /**
   * Spans of the AWS SDK instrumentation; by default only with `instrumentation`. The gateway's
   * SQS sends are traced by the messaging lib instead.
   */
  awsSdkSpans?: boolean;
}

/**
 * The SDK, its W3C propagator and the instrumentations. Without an endpoint nothing is sampled:
 * spans still get ids, so trace ids travel with messages and appear in logs, but nothing is
 * recorded or sent.
 */
export function startTracing(
  service: string,
  config: TracingConfig,
  options: TracingOptions = {},
): Tracing {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }))
      .merge(detectResources({ detectors: [hostDetector, envDetector] })),
    sampler: endpoint ? samplerOf(config) : new AlwaysOffSampler(),
    // Longer values are cut as they are set; the exporter checks again what leaves the process.
    spanLimits: { attributeValueLengthLimit: MAX_ATTRIBUTE_LENGTH },
    spanProcessors: endpoint
      ? [new BatchSpanProcessor(new RedactingExporter(otlpExporter(`${endpoint}/v1/traces`)))]
      : [],
  });
  provider.register({ propagator: new TraceparentPropagator() });
  const ownServerSpans = options.httpServerSpans === 'fastify';
  useHttpServerSpans(
    ownServerSpans
      ? endpoint
        ? provider.getTracer('@orders/observability')
        : idsOnlyTracer
      : undefined,
  );
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      ...(ownServerSpans
        ? []
        : [
            new HttpInstrumentation({
              ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.test(request.url ?? ''),
              // Outgoing HTTP here is the AWS SDK's, already covered by its own spans.
              disableOutgoingRequestInstrumentation: true,
            }),
          ]),
      // With our own server spans, statements are worth a span only when spans are recorded.
      ...(!ownServerSpans || endpoint ? [pgInstrumentation()] : []),
      ...((options.awsSdkSpans ?? !ownServerSpans)
        ? [new AwsInstrumentation({ suppressInternalInstrumentation: true })]
        : []),
    ],
  });
  return { exporting: Boolean(endpoint), shutdown: () => provider.shutdown() };
}

// The statement's shape, never its values: set again from the full text before the length limit
// cuts it (the processor's batch INSERT is one JSON literal, so its keywords come after the data).
function pgInstrumentation(): PgInstrumentation {
  return new PgInstrumentation({
    requireParentSpan: true,
    requestHook: (span, { query }) => {
      if (query.text) {
        span.setAttribute(ATTR_DB_QUERY_TEXT, sanitiseSql(query.text));
      }
    },
  });
}

// Loaded only when spans are exported: the exporter and its protobuf/HTTP stack are a tenth of
// a second of start-up that an app without a collector would pay for nothing.
function otlpExporter(url: string): SpanExporter {
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter({ url });
}

function samplerOf(config: TracingConfig): Sampler {
  const share = Number(config.OTEL_TRACES_SAMPLER_ARG);
  const name = config.OTEL_TRACES_SAMPLER;
  const external = name.endsWith('always_on') ? 1 : name.endsWith('always_off') ? 0 : share;
  return new UntrustedCallerSampler(configuredSampler(name, share), external);
}

function configuredSampler(name: TracingConfig['OTEL_TRACES_SAMPLER'], share: number): Sampler {
  const ratio = new TraceIdRatioBasedSampler(share);
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}
