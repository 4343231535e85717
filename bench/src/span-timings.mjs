// Where an order's time goes between the gateway and the database, from the spans a traced run
// kept (`node bench/src/run.mjs --only end-to-end --rate N --tracing on --keep-spans FILE`):
// `node bench/src/span-timings.mjs FILE`. Orders are joined by their `create` span, which the
// send and process spans of their batch link to.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node bench/src/span-timings.mjs <file kept with --keep-spans>\n');
  process.exit(2);
}
const spans = [];
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) {
    continue;
  }
  for (const resource of JSON.parse(line).resourceSpans ?? []) {
    for (const scope of resource.scopeSpans ?? []) {
      spans.push(...(scope.spans ?? []));
    }
  }
}
const ms = (nanos) => Number(BigInt(nanos) / 1000n) / 1000;
const byId = new Map(spans.map((span) => [span.spanId, span]));
const linkedFrom = new Map();
for (const span of spans) {
  for (const link of span.links ?? []) {
    linkedFrom.set(`${span.name.split(' ')[0]}:${link.spanId}`, span);
  }
}
const stages = {
  'request → create (auth, body, validation)': [],
  'create → send starts (batching)': [],
  'SendMessageBatch (SQS round trip)': [],
  'send ends → processing starts (queue, receive)': [],
  'processing (batch span, INSERT and commit)': [],
  'create → processed (end to end)': [],
  'gateway answer (whole request)': [],
};
for (const create of spans.filter((span) => span.name.startsWith('create '))) {
  const send = linkedFrom.get(`send:${create.spanId}`);
  const processed = linkedFrom.get(`process:${create.spanId}`);
  const request = byId.get(create.parentSpanId);
  if (!send || !processed || !request) {
    continue;
  }
  const at = (span, end) => ms(end ? span.endTimeUnixNano : span.startTimeUnixNano);
  stages['request → create (auth, body, validation)'].push(at(create) - at(request));
  stages['create → send starts (batching)'].push(at(send) - at(create));
  stages['SendMessageBatch (SQS round trip)'].push(at(send, true) - at(send));
  stages['send ends → processing starts (queue, receive)'].push(at(processed) - at(send, true));
  stages['processing (batch span, INSERT and commit)'].push(at(processed, true) - at(processed));
  stages['create → processed (end to end)'].push(at(processed, true) - at(create));
  stages['gateway answer (whole request)'].push(at(request, true) - at(request));
}
const percentile = (values, share) =>
  values[Math.min(values.length - 1, Math.ceil(values.length * share) - 1)];
const orders = stages['create → processed (end to end)'].length;
process.stdout.write(`${orders} orders with all their spans (of ${spans.length} spans)\n`);
process.stdout.write(
  `${'stage'.padEnd(50)} ${'p50'.padStart(8)} ${'p90'.padStart(8)} ${'p99'.padStart(8)}\n`,
);
for (const [stage, values] of Object.entries(stages)) {
  values.sort((a, b) => a - b);
  const figures = [0.5, 0.9, 0.99].map((share) =>
    orders ? `${percentile(values, share).toFixed(1)}`.padStart(8) : '       –',
  );
  process.stdout.write(`${stage.padEnd(50)} ${figures.join(' ')}  ms\n`);
}
