import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

/**
 * Where the traced gateway exports its spans (OTLP over HTTP): counts export requests and bytes and
 * answers 200 with an empty message, so exporting costs the gateway what it costs against a collector.
 * With `keepIn` (a file), each JSON export request is appended to it as one line, for
 * `bench/src/span-timings.mjs`.
 */
export async function startOtlpSink({ keepIn } = {}) {
  const received = { requests: 0, bytes: 0 };
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => {
      received.bytes += chunk.length;
      if (keepIn) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => {
      const json = String(request.headers['content-type'] ?? '').includes('json');
      if (request.method === 'POST' && request.url?.startsWith('/v1/')) {
        received.requests++;
        if (keepIn && json) {
          appendFileSync(keepIn, `${Buffer.concat(chunks).toString('utf8').replace(/\n/g, ' ')}\n`);
        }
      }
      response.writeHead(200, {
        'content-type': json ? 'application/json' : 'application/x-protobuf',
      });
      response.end(json ? '{}' : undefined);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    received: () => ({ ...received }),
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
