import { readFile } from 'node:fs/promises';

/**
 * Sums a V8 .cpuprofile into self time per function and per origin (npm package, the app's own
 * bundle, node internals, GC/idle). Self time = samples whose top frame is that function.
 */
export async function summariseCpuProfile(file, { top = 25, skipFirstMs = 0 } = {}) {
  const profile = JSON.parse(await readFile(file, 'utf8'));
  // Samples of the first skipFirstMs (start-up, warm-up) are dropped: the rest is the steady state.
  let elapsedMicros = 0;
  const kept = profile.samples.map((_, index) => {
    elapsedMicros += profile.timeDeltas[index] ?? 0;
    return elapsedMicros >= skipFirstMs * 1000;
  });
  profile.samples = profile.samples.filter((_, index) => kept[index]);
  profile.timeDeltas = profile.timeDeltas.filter((_, index) => kept[index]);
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const byFunction = new Map();
  const byOrigin = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, micros] of selfMicros) {
    const { callFrame } = nodes.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += micros;
      continue;
    }
    total += micros;
    const origin = originOf(callFrame.url, name);
    const key = `${name}  ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + micros);
  }
  // Inclusive time: every sample counts once for each distinct function on its stack, so library
  // entry points (validation pipe, SDK send, app services) show what they cost with all they call.
  const parents = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parents.set(child, node.id);
    }
  }
  const inclusive = new Map();
  const callers = new Map();
  // Each sample charged to the outermost package on its stack: what the app paid for entering
  // that package (loading it at start, calling into it under load), with all it did beneath.
  const entered = new Map();
  // Each sample whose nearest JavaScript frame is OpenTelemetry or one of our tracing helpers:
  // what tracing costs directly (not the garbage it leaves for the collector).
  const tracing = new Map();
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    if (nodes.get(id).callFrame.functionName === '(idle)') {
      return;
    }
    const seen = new Set();
    let firstCaller;
    let outermostPackage;
    for (let current = id; current !== undefined; current = parents.get(current)) {
      const { callFrame } = nodes.get(current);
      const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(callFrame.url);
      if (packageMatch) {
        outermostPackage = packageMatch[1];
      }
      if (!callFrame.url || callFrame.url.startsWith('node:')) {
        continue;
      }
      const key = `${callFrame.functionName || '(anonymous)'}  ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
      if (firstCaller === undefined) {
        firstCaller = key;
        const packageName = /@opentelemetry\/[^/]+/.exec(callFrame.url)?.[0];
        const helper =
          callFrame.url.includes('/dist/apps/') && TRACING_HELPERS.has(callFrame.functionName);
        if (packageName || helper) {
          const owner = packageName ?? `${callFrame.functionName} (app bundle)`;
          tracing.set(owner, (tracing.get(owner) ?? 0) + delta);
        }
      }
      if (!seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + delta);
      }
    }
    const owner = outermostPackage ?? '(app, node or GC only)';
    entered.set(owner, (entered.get(owner) ?? 0) + delta);
    // Native and node-internal self time charged to the nearest JavaScript frame of a package or the app.
    const { callFrame } = nodes.get(id);
    if (!callFrame.url || callFrame.url.startsWith('node:')) {
      const key = `${callFrame.functionName || '(anonymous)'} ← ${firstCaller ?? '(no JavaScript caller)'}`;
      callers.set(key, (callers.get(key) ?? 0) + delta);
    }
  });
  const ranked = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({
        name,
        ms: Math.round(micros / 1000),
        share: Number((micros / total).toFixed(3)),
      }));
  return {
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    byOrigin: ranked(byOrigin),
    byFunction: ranked(byFunction),
    inclusive: ranked(inclusive),
    byPackageEntered: ranked(entered),
    nativeByCaller: ranked(callers),
    tracing: ranked(tracing),
    tracingShare: Number(
      ([...tracing.values()].reduce((sum, micros) => sum + micros, 0) / total).toFixed(4),
    ),
  };
}

// Our functions that exist only to carry trace context (libs/messaging, libs/observability).
const TRACING_HELPERS = new Set([
  'inSpan',
  'withTraceContext',
  'messageContext',
  'messageLink',
  'sendBatchInSpan',
  'inSampledTrace',
  'untraced',
  'traceFields',
  'callerLink',
  'inject',
  'extract',
]);

function originOf(url, name) {
  if (!url) {
    return name.startsWith('(') ? name : '(native / builtin)';
  }
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) {
    return packageMatch[1];
  }
  if (url.startsWith('node:')) {
    return `node:${url.slice(5).split('/')[0]}`;
  }
  if (url.includes('/dist/apps/')) {
    return 'app bundle (apps + libs)';
  }
  return url;
}

function shortUrl(url) {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/dist\//, 'dist/');
}
