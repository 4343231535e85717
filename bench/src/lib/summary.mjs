import { pairedRatio, round, summarise } from './stats.mjs';

const pick = {
  rate: (result) => result.okPerSecond,
  cpu: (result) => result.cpu.serverMsPerOk,
  p50: (result) => result.latencyMs.p50,
  p99: (result) => result.latencyMs.p99,
  sqs: (result) => result.sqs?.perOrder,
  emulatorCpu: (result) =>
    result.ok > 0 && result.cpu.sqsEmulatorSeconds !== undefined
      ? (result.cpu.sqsEmulatorSeconds * 1000) / result.ok
      : NaN,
  loadGeneratorCpu: (result) =>
    result.ok > 0 ? (result.cpu.loadGeneratorSeconds * 1000) / result.ok : NaN,
};

const DIGITS = { rate: 0, cpu: 4, p50: 1, p99: 1, sqs: 3, emulatorCpu: 4, loadGeneratorCpu: 4 };

/**
 * Every figure of the run as median + spread over its repetitions, and every comparison as a
 * ratio of paired repetitions (same round). Targets and reports read only this.
 */
export function summariseRun(sections, cores) {
  const { intake, processor, endToEnd, coldStart } = sections;
  const series = (key, state, what) => (intake[key]?.[state] ?? []).map(pick[what]);
  const figure = (key, state) =>
    Object.fromEntries(
      Object.keys(pick).map((what) => [what, summarise(series(key, state, what), DIGITS[what])]),
    );
  const ratio = (keyA, stateA, keyB, stateB, what) =>
    pairedRatio(series(keyA, stateA, what), series(keyB, stateB, what));

  const intakeFigures = {};
  for (const key of Object.keys(intake).filter((name) => name !== 'queueUrl')) {
    intakeFigures[key] = {};
    for (const state of ['healthy', 'degraded', 'down']) {
      if (intake[key][state]?.length) {
        intakeFigures[key][state] = figure(key, state);
      }
    }
  }

  const rounds = processor.rounds;
  const drainRate = (which) => rounds.map((entry) => entry.drain[which].ordersPerSecond);
  const smaller = rounds.map((entry) => entry.smallerPerSecond);

  const summary = {
    intake: intakeFigures,
    ratios: {
      gatewayCpuVsNoop: ratio('gateway', 'healthy', 'noop', 'healthy', 'cpu'),
      gatewayRateVsNoop: ratio('gateway', 'healthy', 'noop', 'healthy', 'rate'),
      gatewayCpuVsPeer: ratio('gateway', 'healthy', 'peer', 'healthy', 'cpu'),
      gatewayRateVsPeer: ratio('gateway', 'healthy', 'peer', 'healthy', 'rate'),
      gatewayP99VsPeer: ratio('gateway', 'healthy', 'peer', 'healthy', 'p99'),
      gatewaySqsVsPeer: ratio('gateway', 'healthy', 'peer', 'healthy', 'sqs'),
      peerCpuVsNoop: ratio('peer', 'healthy', 'noop', 'healthy', 'cpu'),
      gatewayRateVsBaseline: ratio('gateway', 'healthy', 'baseline', 'healthy', 'rate'),
      downRate: ratio('gateway', 'down', 'gateway', 'healthy', 'rate'),
      downP99: ratio('gateway', 'down', 'gateway', 'healthy', 'p99'),
      degradedRate: ratio('gateway', 'degraded', 'gateway', 'healthy', 'rate'),
      degradedP99: ratio('gateway', 'degraded', 'gateway', 'healthy', 'p99'),
      baselineDegradedRate: ratio('baseline', 'degraded', 'baseline', 'healthy', 'rate'),
      baselineDegradedP99: ratio('baseline', 'degraded', 'baseline', 'healthy', 'p99'),
      drainOneVsCeiling: pairedRatio(drainRate('one'), smaller),
      drainTwoVsCeiling: pairedRatio(drainRate('two'), smaller),
      ...(intake.gatewayTraced
        ? {
            tracedCpu: ratio('gatewayTraced', 'healthy', 'gateway', 'healthy', 'cpu'),
            tracedRate: ratio('gatewayTraced', 'healthy', 'gateway', 'healthy', 'rate'),
            tracedP99: ratio('gatewayTraced', 'healthy', 'gateway', 'healthy', 'p99'),
            shippedCpu: ratio('gatewayShipped', 'healthy', 'gateway', 'healthy', 'cpu'),
            shippedRate: ratio('gatewayShipped', 'healthy', 'gateway', 'healthy', 'rate'),
            shippedP99: ratio('gatewayShipped', 'healthy', 'gateway', 'healthy', 'p99'),
            shippedCpuVsPeer: ratio('gatewayShipped', 'healthy', 'peer', 'healthy', 'cpu'),
            sampledCpu: ratio('gatewaySampled', 'healthy', 'gateway', 'healthy', 'cpu'),
            sampledRate: ratio('gatewaySampled', 'healthy', 'gateway', 'healthy', 'rate'),
            sampledP99: ratio('gatewaySampled', 'healthy', 'gateway', 'healthy', 'p99'),
          }
        : {}),
    },
    processor: {
      receiveDelete: summarise(
        rounds.map((entry) => entry.receiveDelete.messagesPerSecond),
        0,
      ),
      insert: summarise(
        rounds.map((entry) => entry.insert.rowsPerSecond),
        0,
      ),
      smallerCeiling: summarise(smaller, 0),
      smallerIs: [...new Set(rounds.map((entry) => entry.smallerIs))].join(' / '),
      drainOne: summarise(drainRate('one'), 0),
      drainTwo: summarise(drainRate('two'), 0),
      drainOneSqsPerOrder: summarise(
        rounds.map((entry) => entry.drain.one.sqs.perOrder),
        3,
      ),
      cpuPerOrder: Object.fromEntries(
        ['one', 'two'].map((which) => [
          which,
          Object.fromEntries(
            ['processorCpuMsPerOrder', 'emulatorCpuMsPerOrder', 'postgresCpuMsPerOrder'].map(
              (field) => [
                field,
                summarise(
                  rounds.map((entry) => entry.drain[which][field]),
                  4,
                ),
              ],
            ),
          ),
        ]),
      ),
      rawEmulatorCpuMsPerMessage: summarise(
        rounds.map((entry) => entry.receiveDelete.emulatorCpuMsPerMessage),
        4,
      ),
      rawClientCpuMsPerMessage: summarise(
        rounds.map((entry) => entry.receiveDelete.clientCpuMsPerMessage),
        4,
      ),
    },
    endToEnd: endToEndFigures(endToEnd),
    endToEndQuarter: sections.endToEndQuarter ? endToEndFigures(sections.endToEndQuarter) : null,
    // Send at max load (gateway, round i) + receive/delete of a backlog (1 replica, round i).
    saturatedSqsPerOrder: summarise(
      series('gateway', 'healthy', 'sqs').map(
        (send, index) => send + (rounds[index]?.drain.one.sqs.perOrder ?? NaN),
      ),
      3,
    ),
    coldStart,
  };
  summary.limits = physicalLimits(summary, cores);
  return summary;
}

/** One end-to-end load (its rounds) as medians with their spread. */
function endToEndFigures(endToEnd) {
  const e2eRounds = endToEnd.rounds;
  return {
    replicas: endToEnd.replicas,
    ratePerSecond: endToEnd.targetRatePerSecond,
    p50: summarise(
      e2eRounds.map((entry) => entry.latencyMs.p50),
      1,
    ),
    p99: summarise(
      e2eRounds.map((entry) => entry.latencyMs.p99),
      1,
    ),
    max: summarise(
      e2eRounds.map((entry) => entry.latencyMs.max),
      1,
    ),
    gatewayP99: summarise(
      e2eRounds.map((entry) => entry.gateway.latencyMs.p99),
      1,
    ),
    sqsPerOrder: summarise(
      e2eRounds.map((entry) => entry.sqs.perOrder),
      3,
    ),
    maxQueueDepth: Math.max(...e2eRounds.map((entry) => entry.maxQueueDepth)),
    allStored: e2eRounds.every((entry) => entry.allStored),
  };
}

/**
 * What this machine allows at best, from the CPU each process spent per order: with `cores`
 * cores, no figure can beat cores ÷ (CPU ms per order of everything that must run for it).
 */
function physicalLimits(summary, cores) {
  const capacity = (msPerOrder) => (msPerOrder > 0 ? round((cores * 1000) / msPerOrder, 0) : null);
  const gateway = summary.intake.gateway.healthy;
  const noop = summary.intake.noop.healthy;
  const peer = summary.intake.peer?.healthy;
  const one = summary.processor.cpuPerOrder.one;
  const med = (figure) => figure?.median ?? 0;
  return {
    cores,
    // Even a gateway that cost nothing could not pass the load generator and the emulator it needs.
    gatewayWithoutOwnCpu: capacity(med(gateway.loadGeneratorCpu) + med(gateway.emulatorCpu)),
    gatewayAsMeasured: capacity(
      med(gateway.cpu) + med(gateway.loadGeneratorCpu) + med(gateway.emulatorCpu),
    ),
    noopAsMeasured: capacity(med(noop.cpu) + med(noop.loadGeneratorCpu)),
    peerAsMeasured: peer
      ? capacity(med(peer.cpu) + med(peer.loadGeneratorCpu) + med(peer.emulatorCpu))
      : null,
    // A processor that cost nothing still needs the emulator's receive/delete and PostgreSQL's insert.
    drainWithoutOwnCpu: capacity(med(one.emulatorCpuMsPerOrder) + med(one.postgresCpuMsPerOrder)),
    drainAsMeasured: capacity(
      med(one.processorCpuMsPerOrder) +
        med(one.emulatorCpuMsPerOrder) +
        med(one.postgresCpuMsPerOrder),
    ),
    rawReceiveAsMeasured: capacity(
      med(summary.processor.rawEmulatorCpuMsPerMessage) +
        med(summary.processor.rawClientCpuMsPerMessage),
    ),
  };
}
