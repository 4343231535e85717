// Overload as a separate process, so the load does not share an event loop with the SQS emulator.
// Closed loop: each connection posts, waits for the answer, posts again until the time is up; no
// request is abandoned at the end, so every 202 the gateway sent is counted.
// With perSecond > 0 the requests start at that total rate instead (an open loop for the soak).
// argv: gatewayUrl connections seconds customerId timeoutSeconds perSecond. Prints one JSON line.
import { Agent, request } from 'node:http';

const [url, connections, seconds, customerId, timeoutSeconds, perSecond] = process.argv.slice(2);
const rate = Number(perSecond ?? 0);
let nextSlot = 0;
const target = new URL('/orders', url);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connections) });
const body = JSON.stringify({
  customerId,
  currency: 'EUR',
  items: [
    { sku: 'SPIKE-1', quantity: 2, unitPriceCents: 1999 },
    { sku: 'SPIKE-2', quantity: 1, unitPriceCents: 450 },
  ],
});
const statuses = {};
const codes = {};
const errors = {};
const latencies = [];
let timeouts = 0;
const timeoutStarts = [];
const startedAtMs = Date.now();
const endAt = Date.now() + Number(seconds) * 1000;

function post() {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const outgoing = request(
      target,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: Number(timeoutSeconds) * 1000,
      },
      (response) => {
        const parts = [];
        response.on('data', (part) => parts.push(part));
        response.on('end', () => {
          const status = response.statusCode;
          latencies.push(performance.now() - startedAt);
          statuses[status] = (statuses[status] ?? 0) + 1;
          if (status >= 400) {
            let code = 'unparsed';
            try {
              code = JSON.parse(Buffer.concat(parts).toString()).code ?? 'none';
            } catch {
              // counted as unparsed
            }
            codes[`${status} ${code}`] = (codes[`${status} ${code}`] ?? 0) + 1;
          }
          resolve();
        });
        response.on('error', (error) => {
          errors[error.code ?? error.message] = (errors[error.code ?? error.message] ?? 0) + 1;
          resolve();
        });
      },
    );
    outgoing.on('timeout', () => {
      timeouts += 1;
      timeoutStarts.push(Math.round((Date.now() - startedAtMs) / 100) / 10);
      outgoing.destroy(new Error('client timeout'));
    });
    outgoing.on('error', (error) => {
      if (error.message !== 'client timeout') {
        errors[error.code ?? error.message] = (errors[error.code ?? error.message] ?? 0) + 1;
      }
      resolve();
    });
    outgoing.end(body);
  });
}

async function connection() {
  while (Date.now() < endAt) {
    if (rate > 0) {
      const due = startedAtMs + (nextSlot++ * 1000) / rate;
      if (due > Date.now()) {
        await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      if (Date.now() >= endAt) {
        break;
      }
    }
    await post();
  }
}

const startedAt = Date.now();
await Promise.all(Array.from({ length: Number(connections) }, connection));
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (p) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0);
process.stdout.write(
  `${JSON.stringify({
    statuses,
    codes,
    requests: latencies.length + timeouts + Object.values(errors).reduce((a, b) => a + b, 0),
    errors: Object.values(errors).reduce((a, b) => a + b, 0),
    errorKinds: errors,
    timeouts,
    timeoutAtSeconds: timeoutStarts.slice(0, 20),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: Math.round(latencies.at(-1) ?? 0),
    durationSeconds: (Date.now() - startedAt) / 1000,
  })}\n`,
);
