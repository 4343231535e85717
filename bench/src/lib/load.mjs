import autocannon from 'autocannon';
import { cpuSeconds, machineTicks, postgresCpuSeconds, rssMiB } from './proc-stats.mjs';
import { round } from './stats.mjs';

/** p99 of one second's response times (ms), for the time-series chart. */
function percentile99(values) {
  if (values.length === 0) {
    return null;
  }
  values.sort((a, b) => a - b);
  return values[Math.min(Math.ceil(values.length * 0.99) - 1, values.length - 1)];
}

/**
 * Drives one phase of load with autocannon (127.0.0.1 only, bounded in time) and reads the server's
 * own CPU accounting and RSS around it. `watch` names extra processes whose CPU is reported too.
 * Every second's 2xx count and p99 go to `timeline` (when given) under `series`.
 */
export async function runLoad({
  label,
  url,
  body,
  headers = {},
  connections,
  durationSeconds,
  timeoutSeconds,
  overallRate,
  serverPid,
  watch = {},
  postgresDataDir,
  quietWaitSeconds = 0,
  timeline,
  series,
  log,
}) {
  if (!url.startsWith('http://127.0.0.1:')) {
    throw new Error(`load is only ever sent to 127.0.0.1, not ${url}`);
  }
  const waitedForQuietSeconds = await waitForQuietMachine(quietWaitSeconds, label, log);
  const before = snapshot(serverPid, watch, postgresDataDir);
  let rssPeak = rssMiB(serverPid);
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, safeRss(serverPid));
  }, 250);

  const instance = autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections,
    duration: durationSeconds,
    timeout: timeoutSeconds,
    ...(overallRate ? { overallRate } : {}),
  });
  let second = 0;
  let windowCount = 0;
  let windowStart = 0;
  let secondOk = 0;
  let secondLatencies = [];
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    windowCount++;
    if (statusCode >= 200 && statusCode < 300) {
      secondOk++;
    }
    secondLatencies.push(responseTime);
  });
  instance.on('tick', () => {
    second++;
    // autocannon ticks once more as it winds down; that partial second is not a sample.
    if (second <= durationSeconds) {
      timeline?.record({ series, rate: secondOk, p99: percentile99(secondLatencies) });
    }
    secondOk = 0;
    secondLatencies = [];
    if ((second % 3 === 0 && second < durationSeconds) || second === durationSeconds) {
      const rate = Math.round(windowCount / (second - windowStart));
      log(
        `  ${label.padEnd(26)} ${String(second).padStart(3)}/${durationSeconds} s  ${rate.toLocaleString('en-US').padStart(7)} responses/s`,
      );
      windowCount = 0;
      windowStart = second;
    }
  });
  const result = await instance;
  clearInterval(rssTimer);
  const after = snapshot(serverPid, watch, postgresDataDir);
  const seconds = result.duration;
  const ok = result['2xx'];
  const cpu = after.server - before.server;
  const statusCounts = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[status] = count;
  }
  return {
    label,
    durationSeconds: round(seconds, 2),
    connections,
    overallRate: overallRate ?? null,
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    okPerSecond: round(ok / seconds, 0),
    responsesPerSecond: round((ok + result.non2xx) / seconds, 0),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: round(result.latency.average, 2),
    },
    cpu: {
      serverSeconds: round(cpu, 2),
      // Per 2xx answer: what one accepted order (or one no-op request) costs the server.
      serverMsPerOk: ok > 0 ? round((cpu * 1000) / ok, 4) : null,
      serverMsPerResponse:
        ok + result.non2xx > 0 ? round((cpu * 1000) / (ok + result.non2xx), 4) : null,
      serverCores: round(cpu / seconds, 2),
      ...Object.fromEntries(
        Object.keys(watch).map((name) => [`${name}Seconds`, round(after[name] - before[name], 2)]),
      ),
      ...(postgresDataDir ? { postgresSeconds: round(after.postgres - before.postgres, 2) } : {}),
      loadGeneratorSeconds: round(after.self - before.self, 2),
    },
    // The whole machine over the phase: is anything left idle, and does the hypervisor steal time?
    machine: {
      ...machineShare(before.machine, after.machine),
      // CPU used by processes this bench does not run (other work on the same host) skews everything.
      foreignCores: round(foreignCores(before, after, seconds), 2),
      waitedForQuietSeconds,
    },
    rssMiB: { peak: round(rssPeak, 1), end: round(safeRss(serverPid), 1) },
  };
}

function safeRss(pid) {
  try {
    return rssMiB(pid);
  } catch {
    return 0;
  }
}

function foreignCores(before, after, seconds) {
  const machineBusy = (after.machine.busy - before.machine.busy) / 100;
  const ours = Object.keys(after)
    .filter((key) => key !== 'machine')
    .reduce((sum, key) => sum + (after[key] - before[key]), 0);
  return Math.max(machineBusy - ours, 0) / seconds;
}

/** Waits (bounded) until the host is mostly idle, so other work does not share the measured phase. */
export async function waitForQuietMachine(maxSeconds, label, log) {
  const startedAt = Date.now();
  while (maxSeconds > 0) {
    const before = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const share = machineShare(before, machineTicks());
    if (share.busy <= 0.25) {
      break;
    }
    if (Date.now() - startedAt > maxSeconds * 1000) {
      log(
        `  ${label}: host still ${Math.round(share.busy * 100)} % busy with other work; measuring anyway`,
      );
      break;
    }
    if (Date.now() - startedAt < 1500) {
      log(
        `  ${label}: host ${Math.round(share.busy * 100)} % busy with other work; waiting up to ${maxSeconds} s`,
      );
    }
  }
  return Math.round((Date.now() - startedAt) / 1000);
}

function machineShare(before, after) {
  const busy = after.busy - before.busy;
  const idle = after.idle - before.idle;
  const steal = after.steal - before.steal;
  const total = busy + idle + steal;
  return {
    busy: round(busy / total, 3),
    idle: round(idle / total, 3),
    steal: round(steal / total, 3),
  };
}

function snapshot(serverPid, watch, postgresDataDir) {
  const usage = process.cpuUsage();
  return {
    machine: machineTicks(),
    server: cpuSeconds(serverPid),
    self: (usage.user + usage.system) / 1e6,
    ...Object.fromEntries(Object.entries(watch).map(([name, pid]) => [name, cpuSeconds(pid)])),
    ...(postgresDataDir ? { postgres: postgresCpuSeconds(postgresDataDir) } : {}),
  };
}
