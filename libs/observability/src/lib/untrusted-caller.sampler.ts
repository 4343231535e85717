import { Attributes, Context, Link, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { Sampler, SamplingDecision, SamplingResult } from '@opentelemetry/sdk-trace-node';

const SAMPLED: SamplingResult = { decision: SamplingDecision.RECORD_AND_SAMPLED };
const DROPPED: SamplingResult = { decision: SamplingDecision.NOT_RECORD };

/**
 * The configured sampler, with two rules on top:
 * - a request from outside (a SERVER span whose parent came with the request) is sampled by the
 *   configured share alone, drawn here: the caller's `sampled` flag and its trace id (which the
 *   ratio samplers read) decide nothing, so no caller can force export;
 * - a span linked to a sampled span is sampled (a batch of orders, one of which is traced), so a
 *   traced order's trace reaches its batch.
 */
export class UntrustedCallerSampler implements Sampler {
  constructor(
    private readonly configured: Sampler,
    /** Share of external requests recorded: 1 for the always_on samplers, 0 for always_off. */
    private readonly externalShare: number,
  ) {}

  shouldSample(
    context: Context,
    traceId: string,
    spanName: string,
    spanKind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (spanKind === SpanKind.SERVER && parent?.isRemote) {
      return Math.random() < this.externalShare ? SAMPLED : DROPPED;
    }
    if (
      parent === undefined &&
      links.some((link) => (link.context.traceFlags & TraceFlags.SAMPLED) !== 0)
    ) {
      return SAMPLED;
    }
    return this.configured.shouldSample(context, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `UntrustedCallerSampler{${this.configured.toString()}, external ${this.externalShare}}`;
  }
}
