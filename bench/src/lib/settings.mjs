/**
 * How long and how hard each phase runs. `full` is the run behind the README table (about 8
 * minutes); `smoke` proves every phase still works in a few seconds each (CI), not speed.
 * Comparisons run as `rounds` alternating repetitions; cold starts as `coldStartRounds`.
 */
export const MODES = {
  full: {
    warmupSeconds: 5,
    phaseSeconds: 10,
    rounds: 3,
    connections: 100,
    timeoutSeconds: 5,
    backlogOrders: 15_000,
    insertCeilingRows: 20_000,
    endToEndSeconds: 10,
    coldStartRounds: 5,
    degradedLockMs: 500,
    degradedPeriodMs: 1000,
    // Once per round, not per phase: paired repetitions already absorb slow drift of the host.
    quietWaitSeconds: 5,
  },
  smoke: {
    warmupSeconds: 1,
    phaseSeconds: 2,
    rounds: 2,
    connections: 20,
    timeoutSeconds: 3,
    backlogOrders: 500,
    insertCeilingRows: 2_000,
    endToEndSeconds: 2,
    coldStartRounds: 1,
    degradedLockMs: 300,
    degradedPeriodMs: 600,
    quietWaitSeconds: 0,
  },
};

/** Estimated seconds per step of each section, for the ETA (scaled by the pace measured as it runs). */
export function planFor(settings, senders) {
  const backlog = settings.backlogOrders;
  const processorRound =
    2 * (backlog / 7000) +
    backlog / 8000 +
    settings.insertCeilingRows / 70_000 +
    backlog / 2700 +
    backlog / 3200 +
    4;
  return {
    setup: { steps: 1, seconds: 6 },
    'cold start': { steps: (settings.coldStartRounds + 1) * 4, seconds: 2.5 },
    'intake warm-up': { steps: senders, seconds: settings.warmupSeconds + 0.5 },
    intake: { steps: settings.rounds * (senders + 4), seconds: settings.phaseSeconds + 0.8 },
    processor: { steps: 1 + settings.rounds * 4, seconds: processorRound / 4 },
    'end to end': { steps: 2 * (settings.rounds + 1), seconds: settings.endToEndSeconds + 2 },
  };
}
