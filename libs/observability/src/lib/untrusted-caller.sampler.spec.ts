import { context, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { UntrustedCallerSampler } from './untrusted-caller.sampler';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
// The ratio sampler keeps a trace whose id reads as a small number: a caller could pick one.
const LOW_TRACE = '00000000000000000000000000000001';
const remoteParent = (flags: TraceFlags, traceId = TRACE) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId: 'b7ad6b7169203331',
    traceFlags: flags,
    isRemote: true,
  });

describe(UntrustedCallerSampler.name, () => {
  const decide = (
    sampler: UntrustedCallerSampler,
    parent = context.active(),
    kind = SpanKind.SERVER,
    traceId = TRACE,
    links: Parameters<UntrustedCallerSampler['shouldSample']>[5] = [],
  ) => sampler.shouldSample(parent, traceId, 'span', kind, {}, links).decision;

  it("should not let a caller's sampled flag or chosen trace id force a request into export", () => {
    const sampler = new UntrustedCallerSampler(
      new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }),
      0,
    );

    expect(decide(sampler, remoteParent(TraceFlags.SAMPLED))).toBe(SamplingDecision.NOT_RECORD);
    expect(
      decide(sampler, remoteParent(TraceFlags.SAMPLED, LOW_TRACE), SpanKind.SERVER, LOW_TRACE),
    ).toBe(SamplingDecision.NOT_RECORD);
  });

  it('should sample external requests by the configured share alone', () => {
    const sampler = new UntrustedCallerSampler(new AlwaysOffSampler(), 0.25);

    const sampled = Array.from(
      { length: 4000 },
      () => decide(sampler, remoteParent(TraceFlags.NONE)) === SamplingDecision.RECORD_AND_SAMPLED,
    ).filter(Boolean).length;

    // 1000 expected; ±200 is more than six standard deviations (σ ≈ 27).
    expect(sampled).toBeGreaterThan(800);
    expect(sampled).toBeLessThan(1200);
  });

  it('should follow a remote parent for messages (one trace per order through SQS)', () => {
    const sampler = new UntrustedCallerSampler(
      new ParentBasedSampler({ root: new AlwaysOffSampler() }),
      0,
    );

    expect(decide(sampler, remoteParent(TraceFlags.SAMPLED), SpanKind.CONSUMER)).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(decide(sampler, remoteParent(TraceFlags.NONE), SpanKind.CONSUMER)).toBe(
      SamplingDecision.NOT_RECORD,
    );
  });

  it('should sample a batch span linked to a sampled order, and leave the rest to the configured one', () => {
    const sampler = new UntrustedCallerSampler(new AlwaysOffSampler(), 0);
    const link = (traceFlags: TraceFlags) => ({
      context: { traceId: TRACE, spanId: 'b7ad6b7169203331', traceFlags },
    });

    expect(
      decide(sampler, ROOT_CONTEXT, SpanKind.CONSUMER, TRACE, [
        link(TraceFlags.NONE),
        link(TraceFlags.SAMPLED),
      ]),
    ).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(sampler, ROOT_CONTEXT, SpanKind.CONSUMER, TRACE, [link(TraceFlags.NONE)])).toBe(
      SamplingDecision.NOT_RECORD,
    );
    expect(decide(new UntrustedCallerSampler(new AlwaysOnSampler(), 0), ROOT_CONTEXT)).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
  });
});
