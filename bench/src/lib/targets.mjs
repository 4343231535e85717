const ratio = (value, reference) =>
  Number.isFinite(value) && Number.isFinite(reference) && reference > 0
    ? Number((value / reference).toFixed(3))
    : null;

function target(id, text, value, limit, direction, absolute) {
  const met = value === null ? false : direction === 'max' ? value <= limit : value >= limit;
  return {
    id,
    target: text,
    ratio: value,
    limit: `${direction === 'max' ? '≤' : '≥'} ${limit}`,
    met,
    absolute,
  };
}

/** The targets, each as a ratio measured in this run against its ceiling or baseline. */
export function evaluateTargets(sections) {
  const { ceiling, intake, processor, sqsRequests, coldStart } = sections;
  const gateway = intake.gateway;
  const targets = [
    target(
      'gateway-cpu',
      'Gateway CPU per accepted order ≤ 2× the no-op route’s CPU per request',
      ratio(gateway.healthy.cpu.serverMsPerOk, ceiling.cpu.serverMsPerOk),
      2,
      'max',
      `${gateway.healthy.cpu.serverMsPerOk} ms vs ${ceiling.cpu.serverMsPerOk} ms`,
    ),
    target(
      'gateway-throughput',
      'Gateway accepted orders/s ≥ 0.5× no-op requests/s',
      ratio(gateway.healthy.okPerSecond, ceiling.okPerSecond),
      0.5,
      'min',
      `${gateway.healthy.okPerSecond}/s vs ${ceiling.okPerSecond}/s`,
    ),
    target(
      'db-down-throughput',
      'Database down: gateway keeps ≥ 95 % of its throughput',
      ratio(gateway.down.okPerSecond, gateway.healthy.okPerSecond),
      0.95,
      'min',
      `${gateway.down.okPerSecond}/s vs ${gateway.healthy.okPerSecond}/s`,
    ),
    target(
      'db-down-p99',
      'Database down: gateway p99 within 1.2× of healthy',
      ratio(gateway.down.latencyMs.p99, gateway.healthy.latencyMs.p99),
      1.2,
      'max',
      `${gateway.down.latencyMs.p99} ms vs ${gateway.healthy.latencyMs.p99} ms`,
    ),
    target(
      'db-degraded-throughput',
      '(also) Database degraded: gateway keeps ≥ 95 % of its throughput',
      ratio(gateway.degraded.okPerSecond, gateway.healthy.okPerSecond),
      0.95,
      'min',
      `${gateway.degraded.okPerSecond}/s vs ${gateway.healthy.okPerSecond}/s`,
    ),
    target(
      'db-degraded-p99',
      '(also) Database degraded: gateway p99 within 1.2× of healthy',
      ratio(gateway.degraded.latencyMs.p99, gateway.healthy.latencyMs.p99),
      1.2,
      'max',
      `${gateway.degraded.latencyMs.p99} ms vs ${gateway.healthy.latencyMs.p99} ms`,
    ),
    target(
      'drain-per-replica',
      `Processor drain (1 replica) ≥ 0.7× the smaller raw ceiling (${processor.ceilings.smallerIs})`,
      ratio(processor.drain.one.ordersPerSecond, processor.ceilings.smallerPerSecond),
      0.7,
      'min',
      `${processor.drain.one.ordersPerSecond}/s vs ${processor.ceilings.smallerPerSecond}/s`,
    ),
    target(
      'drain-two-replicas',
      `(also) Processor drain (2 replicas) ≥ 0.7× the smaller raw ceiling`,
      ratio(processor.drain.two.ordersPerSecond, processor.ceilings.smallerPerSecond),
      0.7,
      'min',
      `${processor.drain.two.ordersPerSecond}/s vs ${processor.ceilings.smallerPerSecond}/s`,
    ),
    target(
      'sqs-requests',
      'SQS requests per stored order ≤ 0.35 (whole pipeline at half load)',
      sqsRequests.endToEnd.perOrder,
      0.35,
      'max',
      `${sqsRequests.endToEnd.orderPathRequests} requests for ${sqsRequests.endToEnd.orders} orders`,
    ),
    target(
      'sqs-requests-backlog',
      '(also) SQS requests per stored order ≤ 0.35 (intake at max load + backlog drain)',
      sqsRequests.saturated.perOrder,
      0.35,
      'max',
      `${sqsRequests.saturated.sendPerOrder} send + ${sqsRequests.saturated.consumePerOrder} receive/delete`,
    ),
  ];
  for (const app of ['gateway', 'processor']) {
    targets.push(
      target(
        `${app}-idle-rss`,
        `${app} idle RSS ≤ 1.3× a bare Nest-Fastify app`,
        ratio(coldStart[app].idleRssMiB, coldStart.nestNoop.idleRssMiB),
        1.3,
        'max',
        `${coldStart[app].idleRssMiB} MiB vs ${coldStart.nestNoop.idleRssMiB} MiB`,
      ),
      target(
        `${app}-cold-start`,
        `${app} cold start ≤ 1.5× a bare Nest-Fastify app`,
        ratio(coldStart[app].coldStartMs, coldStart.nestNoop.coldStartMs),
        1.5,
        'max',
        `${coldStart[app].coldStartMs} ms vs ${coldStart.nestNoop.coldStartMs} ms`,
      ),
    );
  }
  return targets;
}

export { ratio };
