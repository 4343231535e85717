import { SQSClient } from '@aws-sdk/client-sqs';
import {
  createQueuePair,
  globalSetupServices,
  loadStackHarness,
  RunningStack,
  testSqsClient,
} from '@orders/testing';

export interface ConsoleStack {
  stack: RunningStack;
  base: string;
  /** The sign-in link the sidecar printed (what `npm start` shows), read from its output. */
  signInUrl: string;
}

/** The real dlq-sidecar process (built output) on real PostgreSQL and the SQS emulator. */
export async function startConsoleStack(env: Record<string, string>): Promise<ConsoleStack> {
  const sqs: SQSClient = testSqsClient();
  const queues = await createQueuePair(sqs);
  sqs.destroy();
  const harness = await loadStackHarness();
  let resolveLink: (url: string) => void = () => undefined;
  const printed = new Promise<string>((resolve) => (resolveLink = resolve));
  const stack = await harness.startStack({
    apps: ['dlq-sidecar'],
    ...globalSetupServices(queues),
    env: { LOG_LEVEL: 'info', ALERT_LOG: 'false', CONSOLE_SIGN_IN: 'local-token', ...env },
    log: (_name, line) => {
      const url = linkIn(line);
      if (url) {
        resolveLink(url);
      }
    },
  });
  const signInUrl = await Promise.race([
    printed,
    new Promise<string>((_resolve, reject) =>
      setTimeout(() => reject(new Error('the sidecar printed no console sign-in link')), 15_000),
    ),
  ]);
  return { stack, base: stack.urls['dlq-sidecar'], signInUrl };
}

function linkIn(line: string): string | undefined {
  try {
    const entry = JSON.parse(line) as { consoleSignInUrl?: unknown };
    return typeof entry.consoleSignInUrl === 'string' ? entry.consoleSignInUrl : undefined;
  } catch {
    return undefined;
  }
}
