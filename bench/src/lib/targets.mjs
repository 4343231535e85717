// The targets, each judged on the median of paired repetitions; the spread says how firm.

const n = (value) =>
  value === null || value === undefined ? '–' : Number(value).toLocaleString('en-US');
const range = (figure, unit = '') =>
  figure?.median === null || figure?.median === undefined
    ? '–'
    : `${n(figure.median)}${unit} (${n(figure.min)}–${n(figure.max)})`;

/**
 * `value` is a summarised figure (median, min, max, spread, flagged). `limit` null = reported
 * only. `everyRound` tells whether each repetition alone gives the same verdict as the median.
 */
function target({ id, text, value, limit = null, direction = 'max', unit = '×', absolute }) {
  const passes = (sample) => (direction === 'max' ? sample <= limit : sample >= limit);
  const judged = limit !== null && value?.median !== null && value?.median !== undefined;
  const met = judged ? passes(value.median) : null;
  const verdicts = judged ? new Set(value.samples.map(passes)) : new Set();
  return {
    id,
    target: text,
    unit,
    value,
    limit: limit === null ? null : `${direction === 'max' ? '≤' : '≥'} ${limit}`,
    met,
    everyRound: judged ? (verdicts.size === 1 ? 'same' : 'mixed') : null,
    absolute,
  };
}

export function evaluateTargets(summary) {
  const { intake, ratios, processor, endToEnd, coldStart } = summary;
  const gateway = intake.gateway;
  const peer = intake.peer.healthy;
  const noop = intake.noop.healthy;
  const targets = [
    target({
      id: 'gateway-cpu',
      text: 'Gateway CPU per accepted order ≤ 2× the no-op route’s CPU per request',
      value: ratios.gatewayCpuVsNoop,
      limit: 2,
      absolute: `${range(gateway.healthy.cpu, ' ms')} vs ${range(noop.cpu, ' ms')}`,
    }),
    target({
      id: 'gateway-throughput',
      text: 'Gateway accepted orders/s ≥ 0.5× no-op requests/s',
      value: ratios.gatewayRateVsNoop,
      limit: 0.5,
      direction: 'min',
      absolute: `${range(gateway.healthy.rate, '/s')} vs ${range(noop.rate, '/s')}`,
    }),
    target({
      id: 'peer-cpu',
      text: 'Gateway CPU per accepted order ≤ 0.4× the SQS peer’s',
      value: ratios.gatewayCpuVsPeer,
      limit: 0.4,
      absolute: `${range(gateway.healthy.cpu, ' ms')} vs ${range(peer.cpu, ' ms')}`,
    }),
    target({
      id: 'peer-p99',
      text: 'Gateway p99 ≤ 0.6× the SQS peer’s (same load)',
      value: ratios.gatewayP99VsPeer,
      limit: 0.6,
      absolute: `${range(gateway.healthy.p99, ' ms')} vs ${range(peer.p99, ' ms')}`,
    }),
    target({
      id: 'peer-sqs-requests',
      text: 'Gateway SQS requests per order ≤ 0.15× the SQS peer’s',
      value: ratios.gatewaySqsVsPeer,
      limit: 0.15,
      absolute: `${range(gateway.healthy.sqs)} vs ${range(peer.sqs)} requests per order`,
    }),
    target({
      id: 'peer-throughput',
      text: '(reported) Gateway accepted orders/s ÷ the SQS peer’s',
      value: ratios.gatewayRateVsPeer,
      absolute: `${range(gateway.healthy.rate, '/s')} vs ${range(peer.rate, '/s')}`,
    }),
    target({
      id: 'db-down-throughput',
      text: 'Database down: gateway keeps ≥ 95 % of its throughput',
      value: ratios.downRate,
      limit: 0.95,
      direction: 'min',
      absolute: `${range(gateway.down.rate, '/s')} vs ${range(gateway.healthy.rate, '/s')}`,
    }),
    target({
      id: 'db-down-p99',
      text: 'Database down: gateway p99 within 1.2× of healthy',
      value: ratios.downP99,
      limit: 1.2,
      absolute: `${range(gateway.down.p99, ' ms')} vs ${range(gateway.healthy.p99, ' ms')}`,
    }),
    target({
      id: 'db-degraded-throughput',
      text: '(also) Database degraded: gateway keeps ≥ 95 % of its throughput',
      value: ratios.degradedRate,
      limit: 0.95,
      direction: 'min',
      absolute: `${range(gateway.degraded.rate, '/s')} vs ${range(gateway.healthy.rate, '/s')}`,
    }),
    target({
      id: 'db-degraded-p99',
      text: '(also) Database degraded: gateway p99 within 1.2× of healthy',
      value: ratios.degradedP99,
      limit: 1.2,
      absolute: `${range(gateway.degraded.p99, ' ms')} vs ${range(gateway.healthy.p99, ' ms')}`,
    }),
    target({
      id: 'drain-per-replica',
      text: `Processor drain (1 replica) ≥ 0.7× the smaller raw ceiling (${processor.smallerIs})`,
      value: ratios.drainOneVsCeiling,
      limit: 0.7,
      direction: 'min',
      absolute: `${range(processor.drainOne, '/s')} vs ${range(processor.smallerCeiling, '/s')}`,
    }),
    target({
      id: 'drain-two-replicas',
      text: '(also) Processor drain (2 replicas) ≥ 0.7× the smaller raw ceiling',
      value: ratios.drainTwoVsCeiling,
      limit: 0.7,
      direction: 'min',
      absolute: `${range(processor.drainTwo, '/s')} vs ${range(processor.smallerCeiling, '/s')}`,
    }),
    target({
      id: 'e2e-p99',
      text: `End to end accepted → stored p99 ≤ 100 ms at half load (${endToEnd.replicas} replicas, as KEDA runs prod)`,
      value: endToEnd.p99,
      limit: 100,
      unit: ' ms',
      absolute: `p50 ${range(endToEnd.p50, ' ms')} at ${n(endToEnd.ratePerSecond)} orders/s`,
    }),
    ...(summary.endToEndQuarter
      ? [
          target({
            id: 'e2e-p99-quarter',
            text: `End to end accepted → stored p99 ≤ 100 ms at a quarter load (${summary.endToEndQuarter.replicas} replicas)`,
            value: summary.endToEndQuarter.p99,
            limit: 100,
            unit: ' ms',
            absolute: `p50 ${range(summary.endToEndQuarter.p50, ' ms')} at ${n(summary.endToEndQuarter.ratePerSecond)} orders/s`,
          }),
        ]
      : []),
    target({
      id: 'sqs-requests',
      text: 'SQS requests per stored order ≤ 0.35 (whole pipeline at half load)',
      value: endToEnd.sqsPerOrder,
      limit: 0.35,
      unit: '',
      absolute: 'send + receive + delete + visibility, counted at the emulator',
    }),
    target({
      id: 'sqs-requests-backlog',
      text: '(also) SQS requests per stored order ≤ 0.35 (intake at max load + backlog drain)',
      value: summary.saturatedSqsPerOrder,
      limit: 0.35,
      unit: '',
      absolute: `send ${range(gateway.healthy.sqs)} + receive/delete of a backlog`,
    }),
  ];
  for (const app of ['gateway', 'processor']) {
    targets.push(
      target({
        id: `${app}-idle-rss`,
        text: `${app} idle RSS ≤ 1.3× a bare Nest-Fastify app`,
        value: coldStart[app].idleRssRatio,
        limit: 1.3,
        absolute: `${range(coldStart[app].idleRssMiB, ' MiB')} vs ${range(coldStart.nestNoop.idleRssMiB, ' MiB')}`,
      }),
      target({
        id: `${app}-cold-start`,
        text: `${app} cold start ≤ 1.5× a bare Nest-Fastify app`,
        value: coldStart[app].coldStartRatio,
        limit: 1.5,
        absolute: `${range(coldStart[app].coldStartMs, ' ms')} vs ${range(coldStart.nestNoop.coldStartMs, ' ms')}`,
      }),
    );
  }
  if (ratios.tracedCpu) {
    const traced = intake.gatewayTraced.healthy;
    targets.push(
      target({
        id: 'tracing-cpu',
        text: '(reported) Tracing on ÷ off: gateway CPU per accepted order',
        value: ratios.tracedCpu,
        absolute: `${range(traced.cpu, ' ms')} vs ${range(gateway.healthy.cpu, ' ms')}`,
      }),
      target({
        id: 'tracing-p99',
        text: '(reported) Tracing on ÷ off: gateway p99',
        value: ratios.tracedP99,
        absolute: `${range(traced.p99, ' ms')} vs ${range(gateway.healthy.p99, ' ms')}`,
      }),
      target({
        id: 'tracing-throughput',
        text: '(reported) Tracing on ÷ off: gateway accepted orders/s',
        value: ratios.tracedRate,
        absolute: `${range(traced.rate, '/s')} vs ${range(gateway.healthy.rate, '/s')}`,
      }),
      target({
        id: 'shipped-cpu',
        text: 'OpenTelemetry as shipped (ids, no export) ÷ off: gateway CPU per accepted order',
        value: ratios.shippedCpu,
        limit: 1.15,
        absolute: `${range(intake.gatewayShipped.healthy.cpu, ' ms')} vs ${range(gateway.healthy.cpu, ' ms')}`,
      }),
      target({
        id: 'sampled-cpu',
        text: 'Export on at the default 10 % sampling ÷ off: gateway CPU per accepted order',
        value: ratios.sampledCpu,
        limit: 1.35,
        absolute: `${range(intake.gatewaySampled.healthy.cpu, ' ms')} vs ${range(gateway.healthy.cpu, ' ms')}`,
      }),
      target({
        id: 'shipped-peer-cpu',
        text: 'Gateway as shipped: CPU per accepted order ≤ 0.3× the SQS peer’s',
        value: ratios.shippedCpuVsPeer,
        limit: 0.3,
        absolute: `${range(intake.gatewayShipped.healthy.cpu, ' ms')} vs ${range(peer.cpu, ' ms')}`,
      }),
    );
  }
  return targets;
}

export { n, range, target };
