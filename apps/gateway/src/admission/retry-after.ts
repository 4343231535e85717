/**
 * Retry-After for a 503: the configured base plus a random share of it up to 100 %, so clients
 * refused in the same second do not all come back in the same second.
 */
export function retryAfterSeconds(baseSeconds: number, random: () => number = Math.random): number {
  return baseSeconds + Math.floor(random() * (baseSeconds + 1));
}
