// The SQS emulator (fauxqs) in its own process, so its CPU is neither the load generator's nor the
// gateway's and can be read from /proc like theirs. Every request's X-Amz-Target action is counted
// in an onRequest hook; the parent reads and resets the counts over IPC.
import { buildApp } from 'fauxqs';

const REGION = process.env.AWS_REGION ?? 'us-east-1';
const counts = new Map();

const app = buildApp({ logger: false, defaultRegion: REGION });
app.addHook('onRequest', (request, _reply, done) => {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    const action = target.slice(target.indexOf('.') + 1);
    counts.set(action, (counts.get(action) ?? 0) + 1);
  }
  done();
});

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
const { port } = app.server.address();

process.on('message', (message) => {
  switch (message.type) {
    case 'counts':
      process.send({ id: message.id, counts: Object.fromEntries(counts) });
      break;
    case 'stop':
      void app.close().then(() => process.exit(0));
      break;
    default:
      process.send({ id: message.id, error: `unknown message ${message.type}` });
  }
});
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready', endpoint: `http://127.0.0.1:${port}` });
