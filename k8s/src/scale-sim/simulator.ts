import { TrafficProfile } from './profiles';
import { ScalingRules, ScalingSettings } from './settings';

/**
 * Replays KEDA's and the HPA controller's documented rules, one second at a time:
 * - KEDA polls every pollingInterval: activation (composite > activationTarget) scales 0 -> 1, and
 *   after cooldownPeriod without activity 1 -> 0; fallback after failureThreshold failed polls.
 * - The HPA syncs every 15 s: desired = ceil(metric / target) for an AverageValue external metric,
 *   unchanged within the 10% tolerance, clamped to [max(1, min), max]; stabilization windows (the
 *   lowest recommendation of the scale-up window, the highest of the scale-down window); rate
 *   policies measured from the replicas at the start of each policy period.
 * - The metric is the ScaledObject's own scalingModifiers formula over: queue = visible + in flight
 *   (scaleOnInFlight), age = CloudWatch ApproximateAgeOfOldestMessage (1-minute Maximum, published
 *   late), paused = processor_paused seen through Prometheus, pods = processor pods.
 * - Processing is a fluid model: each ready replica stores perReplicaThroughput orders/s while the
 *   database is up, oldest first; a message stays in flight for one batch (POLLERS x batch / throughput).
 */
export interface SimulationOptions {
  /** Orders per second one ready replica stores. */
  perReplicaThroughput: number;
  /** From a replica being created to it polling (scheduling, image pull, boot, startup probe). */
  podStartupSeconds: number;
  /** kube-controller-manager --horizontal-pod-autoscaler-sync-period. */
  hpaSyncSeconds: number;
  /** Database failure -> processor_paused = 1 -> scraped by Prometheus (detection + scrape interval). */
  pausedSignalLagSeconds: number;
  /** CloudWatch publishes SQS datapoints about this long after their minute ends. */
  cloudwatchLagSeconds: number;
  /** --horizontal-pod-autoscaler-tolerance. */
  tolerance: number;
}

// perReplicaThroughput: the processor stores several hundred orders/s per replica on the 2-core
// development machine (fauxqs + local PostgreSQL); 300/s is the conservative figure for a replica
// with 1 CPU talking to RDS over the network. Measure yours with `npm run bench` and pass --per-replica.
export const DEFAULT_SIMULATION_OPTIONS: SimulationOptions = {
  perReplicaThroughput: 300,
  podStartupSeconds: 30,
  hpaSyncSeconds: 15,
  pausedSignalLagSeconds: 25,
  cloudwatchLagSeconds: 120,
  tolerance: 0.1,
};

export interface Sample {
  second: number;
  arrivalRate: number;
  processed: number;
  /** Not yet deleted: visible + in flight. */
  backlog: number;
  visible: number;
  inFlight: number;
  oldestAgeSeconds: number;
  ageSignal: number;
  pausedSignal: number;
  compositeMetric: number;
  replicas: number;
  ready: number;
  databaseUp: boolean;
  fallback: boolean;
  note?: string;
}

export interface SimulationResult {
  settings: ScalingSettings;
  profile: TrafficProfile;
  options: SimulationOptions;
  samples: Sample[];
}

interface Cohort {
  arrivedAt: number;
  count: number;
}

interface ScaleEvent {
  second: number;
  change: number;
}

function ruleLimit(
  current: number,
  events: ScaleEvent[],
  now: number,
  rules: ScalingRules,
  direction: 'up' | 'down',
): number {
  if (rules.selectPolicy === 'Disabled') {
    return current;
  }
  const limits = rules.policies.map((policy) => {
    const changed = events
      .filter(
        (event) =>
          event.second > now - policy.periodSeconds &&
          Math.sign(event.change) === (direction === 'up' ? 1 : -1),
      )
      .reduce((sum, event) => sum + event.change, 0);
    const periodStart = current - changed;
    if (direction === 'up') {
      return policy.type === 'Pods'
        ? periodStart + policy.value
        : Math.ceil(periodStart * (1 + policy.value / 100));
    }
    return policy.type === 'Pods'
      ? periodStart - policy.value
      : Math.trunc(periodStart * (1 - policy.value / 100));
  });
  // "Max" picks the policy allowing the largest change: the highest limit up, the lowest limit down.
  const widest = direction === 'up' ? Math.max(...limits) : Math.min(...limits);
  const narrowest = direction === 'up' ? Math.min(...limits) : Math.max(...limits);
  return rules.selectPolicy === 'Min' ? narrowest : widest;
}

export function simulate(
  settings: ScalingSettings,
  profile: TrafficProfile,
  options: SimulationOptions = DEFAULT_SIMULATION_OPTIONS,
): SimulationResult {
  const cohorts: Cohort[] = [];
  const ages: number[] = [];
  const samples: Sample[] = [];
  const recommendations: Array<{ second: number; replicas: number }> = [];
  const events: ScaleEvent[] = [];
  // Each entry is the second the pod starts polling; the initial replicas are warm.
  let pods: number[] = Array.from({ length: settings.minReplicas }, () => Number.NEGATIVE_INFINITY);
  let failedPolls = 0;
  let fallbackActive = false;
  let lastActive = 0;
  const batchSeconds = (settings.pollers * settings.batchSize) / options.perReplicaThroughput;

  const setReplicas = (second: number, wanted: number): void => {
    const current = pods.length;
    if (wanted > current) {
      pods.push(
        ...Array.from({ length: wanted - current }, () => second + options.podStartupSeconds),
      );
    } else if (wanted < current) {
      // Pods that are not ready yet go first, as the ReplicaSet controller does.
      pods = [...pods].sort((a, b) => a - b).slice(0, wanted);
    }
    if (wanted !== current) {
      events.push({ second, change: wanted - current });
    }
  };

  const ageSignal = (second: number): number => {
    // The latest complete 1-minute Maximum datapoint already published.
    const end = Math.floor((second - options.cloudwatchLagSeconds) / 60) * 60;
    if (end <= 0) {
      return 0;
    }
    return Math.max(0, ...ages.slice(end - 60, end));
  };

  for (let second = 0; second < profile.durationSeconds; second++) {
    const arrivalRate = profile.arrivalRate(second);
    if (arrivalRate > 0) {
      cohorts.push({ arrivedAt: second, count: arrivalRate });
    }
    const databaseUp = profile.databaseUp(second);
    const ready = pods.filter((readyAt) => readyAt <= second).length;

    // Store orders, oldest first.
    let capacity = databaseUp ? ready * options.perReplicaThroughput : 0;
    let processed = 0;
    while (capacity > 1e-9 && cohorts.length > 0) {
      const taken = Math.min(capacity, cohorts[0].count);
      cohorts[0].count -= taken;
      capacity -= taken;
      processed += taken;
      if (cohorts[0].count <= 1e-9) {
        cohorts.shift();
      }
    }
    const waiting = cohorts.reduce((sum, cohort) => sum + cohort.count, 0);
    // Little's law: orders being stored this second sit in flight for one batch.
    const backlog = waiting + (databaseUp ? processed * batchSeconds : 0);
    const slots = databaseUp ? ready * settings.pollers * settings.batchSize : 0;
    const inFlight = Math.min(slots, backlog);
    const visible = backlog - inFlight;
    const oldestAgeSeconds = cohorts.length > 0 ? second - cohorts[0].arrivedAt : 0;
    ages.push(oldestAgeSeconds);

    const metricsOk = profile.metricsAvailable(second);
    const lagged = second - options.pausedSignalLagSeconds;
    const pausedSignal = lagged >= 0 && !profile.databaseUp(lagged) && pods.length > 0 ? 1 : 0;
    const composite = settings.formula.evaluate({
      [settings.triggers.queue]: settings.scaleOnInFlight ? backlog : visible,
      [settings.triggers.age]: ageSignal(second),
      [settings.triggers.paused]: pausedSignal,
      [settings.triggers.pods]: pods.length,
    });
    let note: string | undefined;

    // KEDA's own loop: fallback, activation, cooldown.
    if (second % settings.pollingIntervalSeconds === 0) {
      failedPolls = metricsOk ? 0 : failedPolls + 1;
      const wasFallback: boolean = fallbackActive;
      fallbackActive =
        settings.fallback !== undefined && failedPolls >= settings.fallback.failureThreshold;
      if (fallbackActive !== wasFallback) {
        note = fallbackActive ? 'fallback' : 'metrics back';
      }
      const active = fallbackActive || (metricsOk && composite > settings.activationTarget);
      if (active) {
        lastActive = second;
      }
      if (pods.length === 0 && active) {
        setReplicas(second, Math.max(1, settings.minReplicas));
        note = 'activated';
      } else if (
        pods.length > 0 &&
        settings.minReplicas === 0 &&
        !active &&
        second - lastActive >= settings.cooldownPeriodSeconds
      ) {
        setReplicas(second, 0);
        note = 'cooldown: to zero';
      } else if (pods.length < settings.minReplicas) {
        setReplicas(second, settings.minReplicas);
      }
    }

    // The HPA controller.
    const current = pods.length;
    if (second % options.hpaSyncSeconds === 0 && current > 0 && (metricsOk || fallbackActive)) {
      let metric = composite;
      if (fallbackActive && settings.fallback) {
        const { replicas, behavior } = settings.fallback;
        const fallbackReplicas =
          behavior === 'currentReplicas'
            ? current
            : behavior === 'currentReplicasIfHigher'
              ? Math.max(current, replicas)
              : behavior === 'currentReplicasIfLower'
                ? Math.min(current, replicas)
                : replicas;
        metric = fallbackReplicas * settings.target;
      }
      const usage = metric / (settings.target * current);
      const raw =
        Math.abs(1 - usage) <= options.tolerance
          ? current
          : Math.ceil(metric / settings.target - 1e-9);

      let upRecommendation = raw;
      let downRecommendation = raw;
      for (const recommendation of recommendations) {
        if (recommendation.second > second - settings.scaleUp.stabilizationWindowSeconds) {
          upRecommendation = Math.min(upRecommendation, recommendation.replicas);
        }
        if (recommendation.second > second - settings.scaleDown.stabilizationWindowSeconds) {
          downRecommendation = Math.max(downRecommendation, recommendation.replicas);
        }
      }
      recommendations.push({ second, replicas: raw });
      let desired = current;
      if (desired < upRecommendation) {
        desired = upRecommendation;
      }
      if (desired > downRecommendation) {
        desired = downRecommendation;
      }
      const hpaMin = Math.max(1, settings.minReplicas);
      if (desired > current) {
        desired = Math.min(
          desired,
          ruleLimit(current, events, second, settings.scaleUp, 'up'),
          settings.maxReplicas,
        );
      } else if (desired < current) {
        desired = Math.max(
          desired,
          ruleLimit(current, events, second, settings.scaleDown, 'down'),
          hpaMin,
        );
      }
      desired = Math.min(Math.max(desired, hpaMin), settings.maxReplicas);
      if (desired !== current) {
        setReplicas(second, desired);
      }
    }

    samples.push({
      second,
      arrivalRate,
      processed,
      backlog,
      visible,
      inFlight,
      oldestAgeSeconds,
      ageSignal: ageSignal(second),
      pausedSignal,
      compositeMetric: composite,
      replicas: pods.length,
      ready: pods.filter((readyAt) => readyAt <= second).length,
      databaseUp,
      fallback: fallbackActive,
      note,
    });
  }
  return { settings, profile, options, samples };
}

export interface SimulationSummary {
  peakReplicas: number;
  peakBacklog: number;
  maxOldestAgeSeconds: number;
  /** Replicas needed for the window's peak rate at the per-replica throughput. */
  neededReplicas?: number;
  /** Seconds from the window's start until that many replicas were polling. */
  secondsToNeededReplicas?: number;
  replicasAtWindowStart?: number;
  maxReplicasInWindow?: number;
  /** Seconds after the window's end until the replica count settled at its minimum for good. */
  secondsBackToMinimum?: number;
  /** Seconds after the window's end until the backlog fell below one replica's target. */
  secondsToDrain?: number;
  /** All arrivals stored by the end of the run. */
  everythingStored: boolean;
}

export function summarize(result: SimulationResult): SimulationSummary {
  const { samples, profile, settings, options } = result;
  const window = profile.window;
  const summary: SimulationSummary = {
    peakReplicas: Math.max(...samples.map((sample) => sample.replicas)),
    peakBacklog: Math.max(...samples.map((sample) => sample.backlog)),
    maxOldestAgeSeconds: Math.max(...samples.map((sample) => sample.oldestAgeSeconds)),
    everythingStored:
      samples[samples.length - 1].backlog - samples[samples.length - 1].inFlight < 1 &&
      samples[samples.length - 1].oldestAgeSeconds < 60,
  };
  if (!window) {
    return summary;
  }
  const inWindow = samples.filter(
    (sample) => sample.second >= window.start && sample.second < window.end,
  );
  summary.neededReplicas = Math.ceil(window.peakRate / options.perReplicaThroughput);
  const reached = samples.find(
    (sample) => sample.second >= window.start && sample.ready >= (summary.neededReplicas ?? 0),
  );
  summary.secondsToNeededReplicas = reached ? reached.second - window.start : undefined;
  summary.replicasAtWindowStart = samples[window.start]?.replicas;
  summary.maxReplicasInWindow = Math.max(...inWindow.map((sample) => sample.replicas));
  const lastAboveMinimum = [...samples]
    .reverse()
    .find((sample) => sample.replicas !== settings.minReplicas);
  if (samples[samples.length - 1].replicas === settings.minReplicas) {
    summary.secondsBackToMinimum = Math.max(
      0,
      (lastAboveMinimum ? lastAboveMinimum.second + 1 : 0) - window.end,
    );
  }
  const drained = samples.find(
    (sample) => sample.second >= window.end && sample.backlog < settings.target,
  );
  summary.secondsToDrain = drained ? drained.second - window.end : undefined;
  return summary;
}
