import { randomBytesFromPool } from './random-pool';

// W3C Trace Context: version-traceid-parentid-flags.
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Continues the caller's trace with a new span id, or starts a new trace. */
export function childTraceparent(incoming?: string): string {
  const match = incoming ? TRACEPARENT.exec(incoming.trim().toLowerCase()) : null;
  const traceId =
    match && !/^0+$/.test(match[1]) ? match[1] : randomBytesFromPool(16).toString('hex');
  const flags = match ? match[3] : '01';
  return `00-${traceId}-${randomBytesFromPool(8).toString('hex')}-${flags}`;
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}
