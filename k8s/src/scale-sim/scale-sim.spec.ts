import { Formula } from '../lib/formula';
import { buildEnvironment } from '../lib/manifests';
import { DEFAULT_GATEWAY_ASSUMPTIONS, gatewayScaling, simulateGateway } from './gateway-hpa';
import { DEFAULT_PROFILE_OPTIONS, PROFILES } from './profiles';
import { scalingSettings } from './settings';
import { DEFAULT_SIMULATION_OPTIONS, simulate, summarize } from './simulator';

// Stated targets (k8s/README.md, "Tuning KEDA"): with the default assumptions (300 orders/s per
// replica, 30 s pod start-up), prod serves a 10x spike (200 -> 2000 orders/s) with enough polling
// replicas within 2 minutes, is back at its minimum within 15 minutes after the spike, and adds no
// replica while the database is down.
describe('KEDA behaviour simulation', () => {
  const prod = scalingSettings(buildEnvironment('prod'));
  const dev = scalingSettings(buildEnvironment('dev'));

  it('should simulate the orders queue the ACK component declares', () => {
    const queue = buildEnvironment('prod').app.find(
      (object) => object.kind === 'Queue' && object.metadata.name === 'orders',
    );

    expect(queue).toBeDefined();
    expect(prod.queue).toEqual({
      visibilityTimeoutSeconds: Number(queue?.spec.visibilityTimeout),
      retentionSeconds: Number(queue?.spec.messageRetentionPeriod),
      maxReceiveCount: JSON.parse(queue?.spec.redrivePolicy).maxReceiveCount,
      oldestMessageAlertSeconds: prod.queue.oldestMessageAlertSeconds,
    });
  });

  describe('prod, 10x spike', () => {
    const result = simulate(prod, PROFILES.spike(DEFAULT_PROFILE_OPTIONS));
    const summary = summarize(result);

    it('should have enough replicas polling within 2 minutes of the spike', () => {
      expect(summary.neededReplicas).toBe(
        Math.ceil(
          (DEFAULT_PROFILE_OPTIONS.baseRate * 10) / DEFAULT_SIMULATION_OPTIONS.perReplicaThroughput,
        ),
      );
      expect(summary.secondsToNeededReplicas).toBeLessThanOrEqual(120);
    });

    it('should return to the minimum within 15 minutes after the spike', () => {
      expect(result.samples[result.samples.length - 1].replicas).toBe(prod.minReplicas);
      expect(summary.secondsBackToMinimum).toBeLessThanOrEqual(15 * 60);
    });

    it('should never exceed maxReplicaCount and store every order', () => {
      expect(summary.peakReplicas).toBeLessThanOrEqual(prod.maxReplicas);
      expect(summary.everythingStored).toBe(true);
    });
  });

  describe('prod, database down for 10 minutes', () => {
    it('should not add a replica while the database is down', () => {
      const summary = summarize(simulate(prod, PROFILES['db-outage'](DEFAULT_PROFILE_OPTIONS)));

      expect(summary.maxReplicasInWindow).toBe(summary.replicasAtWindowStart);
    });

    it('should still hold when processor_paused reaches Prometheus 40 s late', () => {
      const summary = summarize(
        simulate(prod, PROFILES['db-outage'](DEFAULT_PROFILE_OPTIONS), {
          ...DEFAULT_SIMULATION_OPTIONS,
          pausedSignalLagSeconds: 40,
        }),
      );

      expect(summary.maxReplicasInWindow).toBe(summary.replicasAtWindowStart);
    });

    it('should scale out and drain the backlog within 5 minutes once the database answers', () => {
      const summary = summarize(simulate(prod, PROFILES['db-outage'](DEFAULT_PROFILE_OPTIONS)));

      expect(summary.peakReplicas).toBeGreaterThan(prod.minReplicas);
      expect(summary.secondsToDrain).toBeLessThanOrEqual(5 * 60);
      expect(summary.everythingStored).toBe(true);
    });

    it('should grow while the database is down when the formula has no hold-back (the check can fail)', () => {
      const withoutHoldBack = {
        ...prod,
        formula: new Formula(
          'queue > 0 && age / 180 * 40 > queue ? age / 180 * 40 : queue + paused * 0 + pods * 0',
        ),
      };

      const summary = summarize(
        simulate(withoutHoldBack, PROFILES['db-outage'](DEFAULT_PROFILE_OPTIONS)),
      );

      expect(summary.maxReplicasInWindow).toBeGreaterThan(summary.replicasAtWindowStart ?? 0);
    });
  });

  describe('dev, scaled to zero, three orders and silence', () => {
    it('should wake a processor through the age term and store them within 5 minutes', () => {
      const summary = summarize(simulate(dev, PROFILES.trickle(DEFAULT_PROFILE_OPTIONS)));

      expect(summary.everythingStored).toBe(true);
      expect(summary.maxOldestAgeSeconds).toBeLessThanOrEqual(5 * 60);
    });

    it('should leave them waiting when only the queue depth counts (below activation)', () => {
      const depthOnly = {
        ...dev,
        formula: new Formula('queue + age * 0 + paused * 0 + pods * 0'),
      };

      const summary = summarize(simulate(depthOnly, PROFILES.trickle(DEFAULT_PROFILE_OPTIONS)));

      expect(summary.everythingStored).toBe(false);
    });

    it('should scale back to zero after the cooldown', () => {
      const result = simulate(dev, PROFILES.trickle(DEFAULT_PROFILE_OPTIONS));

      expect(result.samples[result.samples.length - 1].replicas).toBe(0);
    });
  });

  describe('prod, metric sources failing', () => {
    it('should keep at least the fallback replicas and never shrink while blind', () => {
      const profile = PROFILES['metrics-outage'](DEFAULT_PROFILE_OPTIONS);
      const result = simulate(prod, profile);
      const window = profile.window as NonNullable<typeof profile.window>;
      const blind = result.samples.filter(
        (sample) => sample.second >= window.start + 90 && sample.second < window.end,
      );

      expect(Math.min(...blind.map((sample) => sample.replicas))).toBeGreaterThanOrEqual(
        prod.fallback?.replicas ?? Infinity,
      );
      expect(summarize(result).everythingStored).toBe(true);
    });
  });
});

// The gateway's HPA must ask for replicas while each one still has headroom: its CPU target
// (request x averageUtilization) below the CPU at which a replica saturates and sheds.
describe('gateway HPA simulation', () => {
  for (const overlay of ['dev', 'staging', 'prod']) {
    it(`should target less than 60 % of a replica's saturation in ${overlay}`, () => {
      const scaling = gatewayScaling(buildEnvironment(overlay));
      const { summary } = simulateGateway(
        scaling,
        PROFILES.steady(DEFAULT_PROFILE_OPTIONS),
        DEFAULT_GATEWAY_ASSUMPTIONS,
      );

      expect(summary.perReplicaAtTarget / summary.perReplicaCapacity).toBeLessThan(0.6);
    });
  }

  it('should stop shedding within 90 s of a 10x spike from 1500 orders/s in prod', () => {
    const { samples, summary } = simulateGateway(
      gatewayScaling(buildEnvironment('prod')),
      PROFILES.spike({ baseRate: 1500, multiplier: 10 }),
      DEFAULT_GATEWAY_ASSUMPTIONS,
    );
    const spikeStart = 5 * 60;

    expect(samples.filter((sample) => sample.second < spikeStart && sample.shed > 0)).toEqual([]);
    expect(summary.secondsShedding).toBeLessThanOrEqual(90);
    expect(samples.filter((sample) => sample.second > spikeStart + 90 && sample.shed > 0)).toEqual(
      [],
    );
  });
});
