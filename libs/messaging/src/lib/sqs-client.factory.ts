import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

export interface SqsClientOptions {
  region: string;
  /** Unset: real AWS with the default credential chain (IRSA / Pod Identity in a cluster). */
  endpoint?: string;
  requestTimeoutMs: number;
  /** SDK attempts per call, the first included. */
  maxAttempts?: number;
}

export function createSqsClient(options: SqsClientOptions): SQSClient {
  const agentOptions = { keepAlive: true, maxSockets: 64 };
  return new SQSClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? 3,
    // The SDK hashes every body to compare with SQS's MD5 echo; TLS already guarantees integrity
    // in transit and the hashing was a visible share of the gateway's CPU per order.
    md5: false,
    ...(options.endpoint
      ? {
          // An emulator: its queue URLs name hosts that may not resolve, so every call goes to
          // the endpoint, and it needs some credentials but checks none.
          endpoint: options.endpoint,
          useQueueUrlAsEndpoint: false,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {}),
    requestHandler: new NodeHttpHandler({
      connectionTimeout: Math.min(options.requestTimeoutMs, 1000),
      requestTimeout: options.requestTimeoutMs,
      // Without it the SDK only logs a warning and a hung connection stalls the caller indefinitely.
      throwOnRequestTimeout: true,
      httpAgent: new Agent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    }),
  });
}
