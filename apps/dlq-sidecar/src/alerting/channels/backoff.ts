export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Pause before retry number `attempt` (1 = the first retry): doubling, capped, with half of it
 * random so that sidecars which failed together do not retry together. A Retry-After from the
 * server wins when it is longer, within the cap.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.min(policy.maxMs, Math.max(jittered, retryAfterMs ?? 0)));
}
