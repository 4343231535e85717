/**
 * How long and how hard each phase runs. `full` is the run behind the README table (about 4–5
 * minutes); `smoke` proves every phase still works in a few seconds each (CI), not speed.
 */
export const MODES = {
  full: {
    warmupSeconds: 5,
    phaseSeconds: 15,
    connections: 100,
    timeoutSeconds: 5,
    backlogOrders: 30_000,
    insertCeilingRows: 50_000,
    endToEndSeconds: 15,
    coldStartRepeats: 3,
    degradedLockMs: 500,
    degradedPeriodMs: 1000,
    quietWaitSeconds: 30,
  },
  smoke: {
    warmupSeconds: 1,
    phaseSeconds: 2,
    connections: 20,
    timeoutSeconds: 3,
    backlogOrders: 500,
    insertCeilingRows: 2_000,
    endToEndSeconds: 2,
    coldStartRepeats: 1,
    degradedLockMs: 300,
    degradedPeriodMs: 600,
    quietWaitSeconds: 0,
  },
};
