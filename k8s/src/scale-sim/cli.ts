import { buildEnvironment, ENVIRONMENTS } from '../lib/manifests';
import { DEFAULT_GATEWAY_ASSUMPTIONS, gatewayScaling, simulateGateway } from './gateway-hpa';
import { DEFAULT_PROFILE_OPTIONS, PROFILES } from './profiles';
import { scalingSettings } from './settings';
import {
  DEFAULT_SIMULATION_OPTIONS,
  Sample,
  simulate,
  SimulationOptions,
  summarize,
} from './simulator';

// npm run scale:sim -- --overlay prod --profile spike [--per-replica 300] [--base-rate 200]
//   [--multiplier 10] [--startup 30] [--paused-lag 25] [--cloudwatch-lag 120] [--every 30]
const USAGE = `usage: npm run scale:sim -- --overlay <${ENVIRONMENTS.join('|')}> --profile <${Object.keys(PROFILES).join('|')}>
  --per-replica <orders/s>   throughput of one ready processor (default ${DEFAULT_SIMULATION_OPTIONS.perReplicaThroughput})
  --base-rate <orders/s>     traffic outside the event (default ${DEFAULT_PROFILE_OPTIONS.baseRate})
  --multiplier <x>           spike height (default ${DEFAULT_PROFILE_OPTIONS.multiplier})
  --startup <s>              pod creation to polling (default ${DEFAULT_SIMULATION_OPTIONS.podStartupSeconds})
  --paused-lag <s>           database failure to processor_paused in Prometheus (default ${DEFAULT_SIMULATION_OPTIONS.pausedSignalLagSeconds})
  --cloudwatch-lag <s>       CloudWatch publication delay (default ${DEFAULT_SIMULATION_OPTIONS.cloudwatchLagSeconds})
  --every <s>                timeline row interval (default 60; rows are also printed when replicas change)`;

function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (!arg.startsWith('--')) {
      continue;
    }
    const [key, inline] = arg.slice(2).split('=', 2);
    if (inline !== undefined) {
      args.set(key, inline);
    } else if (argv[index + 1] !== undefined && !argv[index + 1].startsWith('--')) {
      args.set(key, argv[++index]);
    } else {
      args.set(key, 'true');
    }
  }
  return args;
}

function numberArg(args: Map<string, string>, key: string, fallback: number): number {
  const value = args.get(key);
  if (value === undefined) {
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`--${key} must be a non-negative number, got "${value}"`);
  }
  return parsed;
}

const clock = (second: number): string =>
  `${Math.floor(second / 60)}:${String(second % 60).padStart(2, '0')}`;
const duration = (seconds: number | undefined): string =>
  seconds === undefined
    ? 'never'
    : seconds >= 2 * 86_400
      ? `${Math.round(seconds / 86_400)} days`
      : seconds >= 120
        ? `${(seconds / 60).toFixed(1)} min`
        : `${seconds} s`;

function row(sample: Sample): string {
  const columns = [
    clock(sample.second).padStart(6),
    String(Math.round(sample.arrivalRate)).padStart(7),
    String(Math.round(sample.backlog)).padStart(9),
    String(Math.round(sample.oldestAgeSeconds)).padStart(7),
    sample.compositeMetric.toFixed(0).padStart(9),
    String(sample.replicas).padStart(5),
    String(sample.ready).padStart(5),
    (sample.databaseUp ? 'up' : 'DOWN').padStart(4),
    String(sample.pausedSignal).padStart(6),
  ];
  return `${columns.join(' ')}  ${sample.note ?? (sample.fallback ? 'fallback' : '')}`.trimEnd();
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const overlay = args.get('overlay') ?? 'prod';
  const profileName = args.get('profile') ?? 'spike';
  if (!(ENVIRONMENTS as readonly string[]).includes(overlay) || !PROFILES[profileName]) {
    throw new Error(`unknown overlay or profile\n${USAGE}`);
  }
  const options: SimulationOptions = {
    ...DEFAULT_SIMULATION_OPTIONS,
    perReplicaThroughput: numberArg(
      args,
      'per-replica',
      DEFAULT_SIMULATION_OPTIONS.perReplicaThroughput,
    ),
    podStartupSeconds: numberArg(args, 'startup', DEFAULT_SIMULATION_OPTIONS.podStartupSeconds),
    pausedSignalLagSeconds: numberArg(
      args,
      'paused-lag',
      DEFAULT_SIMULATION_OPTIONS.pausedSignalLagSeconds,
    ),
    cloudwatchLagSeconds: numberArg(
      args,
      'cloudwatch-lag',
      DEFAULT_SIMULATION_OPTIONS.cloudwatchLagSeconds,
    ),
  };
  const profile = PROFILES[profileName]({
    baseRate: numberArg(args, 'base-rate', DEFAULT_PROFILE_OPTIONS.baseRate),
    multiplier: numberArg(args, 'multiplier', DEFAULT_PROFILE_OPTIONS.multiplier),
  });
  const every = Math.max(1, numberArg(args, 'every', 60));

  const environment = buildEnvironment(overlay);
  const settings = scalingSettings(environment);
  const result = simulate(settings, profile, options);
  const summary = summarize(result);

  const out: string[] = [];
  out.push(`KEDA simulation: overlay ${overlay}, profile ${profile.name}: ${profile.description}`);
  out.push(
    `  ScaledObject: min ${settings.minReplicas}, max ${settings.maxReplicas}, polling ${settings.pollingIntervalSeconds} s, cooldown ${settings.cooldownPeriodSeconds} s, ` +
      `target ${settings.target} messages/replica, activation ${settings.activationTarget}`,
  );
  out.push(`  formula: ${settings.formula.source}`);
  out.push(
    `  HPA behavior: up window ${settings.scaleUp.stabilizationWindowSeconds} s ${settings.scaleUp.policies.map((policy) => `${policy.type} ${policy.value}/${policy.periodSeconds}s`).join(', ')}; ` +
      `down window ${settings.scaleDown.stabilizationWindowSeconds} s ${settings.scaleDown.policies.map((policy) => `${policy.type} ${policy.value}/${policy.periodSeconds}s`).join(', ')}`,
  );
  out.push(
    `  assumptions: ${options.perReplicaThroughput} orders/s per replica, POLLERS ${settings.pollers} x batch ${settings.batchSize}, pod startup ${options.podStartupSeconds} s, ` +
      `HPA sync ${options.hpaSyncSeconds} s, paused signal lag ${options.pausedSignalLagSeconds} s, CloudWatch lag ${options.cloudwatchLagSeconds} s`,
  );
  out.push(
    `  orders queue: visibility ${settings.queue.visibilityTimeoutSeconds} s, retention ${duration(settings.queue.retentionSeconds)}, maxReceiveCount ${settings.queue.maxReceiveCount}, ` +
      `OrdersQueueOldestMessageTooOld above ${duration(settings.queue.oldestMessageAlertSeconds)}`,
  );
  out.push('');
  out.push('  time  orders/s   backlog  oldest    metric  repl ready   db paused');
  let previousReplicas = -1;
  for (const sample of result.samples) {
    if (sample.second % every === 0 || sample.replicas !== previousReplicas || sample.note) {
      out.push(row(sample));
    }
    previousReplicas = sample.replicas;
  }
  out.push('');
  out.push('Summary');
  out.push(
    `  peak replicas ${summary.peakReplicas}, peak backlog ${Math.round(summary.peakBacklog)} orders, oldest order waited ${duration(summary.maxOldestAgeSeconds)}`,
  );
  if (profile.window) {
    const window = profile.window;
    out.push(
      `  ${window.label} ${clock(window.start)}-${clock(window.end)}: replicas ${summary.replicasAtWindowStart} at the start, at most ${summary.maxReplicasInWindow} during it`,
    );
    if (profile.name === 'spike' || profile.name === 'metrics-outage') {
      out.push(
        `  ${summary.neededReplicas} replicas needed for ${window.peakRate} orders/s: polling ${duration(summary.secondsToNeededReplicas)} after the start`,
      );
    }
    out.push(
      `  backlog drained ${duration(summary.secondsToDrain)} after the end; back at min ${settings.minReplicas} replicas ${duration(summary.secondsBackToMinimum)} after the end`,
    );
  }
  out.push(`  every order stored by the end: ${summary.everythingStored ? 'yes' : 'NO'}`);
  const oldest = summary.maxOldestAgeSeconds;
  out.push(
    `  oldest order vs the queue: ${oldest >= settings.queue.retentionSeconds ? 'EXPIRED (older than the retention)' : oldest > settings.queue.oldestMessageAlertSeconds ? 'OrdersQueueOldestMessageTooOld fires' : 'below the alert threshold'}`,
  );
  out.push('');
  out.push(...gatewayReport(environment, profile, every));
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The gateway's HPA against the same traffic: when replicas arrive, what is shed until then. */
function gatewayReport(
  environment: ReturnType<typeof buildEnvironment>,
  profile: ReturnType<(typeof PROFILES)[string]>,
  every: number,
): string[] {
  const scaling = gatewayScaling(environment);
  const assumptions = DEFAULT_GATEWAY_ASSUMPTIONS;
  const { samples, summary } = simulateGateway(scaling, profile, assumptions);
  const out = [
    `Gateway HPA: min ${scaling.minReplicas}, max ${scaling.maxReplicas}, CPU target ${scaling.targetUtilization} % of ${scaling.cpuRequestMillicores}m (limit ${scaling.cpuLimitMillicores}m)`,
    `  assumptions: ${assumptions.cpuMsPerOrder} ms CPU per order, saturation at ${assumptions.saturationShare * 100} % of a core = ${summary.perReplicaCapacity} orders/s per replica; ` +
      `at target ${summary.perReplicaAtTarget} orders/s (${Math.round((summary.perReplicaAtTarget / summary.perReplicaCapacity) * 100)} % of saturation); ` +
      `metrics lag ${assumptions.metricsLagSeconds} s, sync ${assumptions.hpaSyncSeconds} s, pod startup ${assumptions.podStartupSeconds} s`,
    '',
    '  time  orders/s  repl ready  cpu/request  shed/s',
  ];
  let previous = -1;
  for (const sample of samples) {
    if (sample.second % every === 0 || sample.replicas !== previous) {
      out.push(
        `  ${clock(sample.second).padStart(5)} ${String(Math.round(sample.arrivals)).padStart(9)} ${String(sample.replicas).padStart(5)} ${String(sample.ready).padStart(5)} ${`${Math.round(sample.utilization)} %`.padStart(12)} ${String(Math.round(sample.shed)).padStart(7)}`,
      );
    }
    previous = sample.replicas;
  }
  out.push(
    '',
    `  peak replicas ${summary.peakReplicas}; shed ${summary.shedOrders} of ${summary.offered} orders (503 + Retry-After) over ${summary.secondsShedding} s`,
  );
  return out;
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
