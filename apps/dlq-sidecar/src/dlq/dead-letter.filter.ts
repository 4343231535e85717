import { DeadLetter, failedAt, groupKeyOf } from './dead-letter';

/** Which dead letters a list, redrive or purge is about. An empty filter matches nothing unless `all`. */
export interface DeadLetterFilter {
  all?: boolean;
  /** A failure code (alert group), e.g. INVALID_ENVELOPE or MOVED_BY_SQS. */
  reason?: string;
  /** An order id or a message id. */
  order?: string;
  since?: Date;
  until?: Date;
}

const DURATION = /^(\d+)\s*(s|m|h|d)$/i;
const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * `2026-01-31T12:00:00Z` or a duration back from now (`90s`, `15m`, `2h`, `7d`).
 * Returns undefined when the text is neither.
 */
export function parsePointInTime(text: string, now: Date = new Date()): Date | undefined {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) {
    return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2].toLowerCase()]);
  }
  // Only full dates: "12" or "yesterday" must not silently become some odd instant.
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    return undefined;
  }
  const parsed = Date.parse(trimmed);
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}

export function hasCriteria(filter: DeadLetterFilter): boolean {
  return (
    filter.reason !== undefined ||
    filter.order !== undefined ||
    filter.since !== undefined ||
    filter.until !== undefined
  );
}

/** `all` widens nothing when criteria are given: `--all --reason X` still means reason X. */
export function matchesFilter(letter: DeadLetter, filter: DeadLetterFilter): boolean {
  if (!filter.all && !hasCriteria(filter)) {
    return false;
  }
  if (filter.reason !== undefined && letter.groupKey !== groupKeyOf(filter.reason)) {
    return false;
  }
  if (filter.order !== undefined) {
    const wanted = filter.order.trim().toLowerCase();
    if (letter.orderId?.toLowerCase() !== wanted && letter.messageId.toLowerCase() !== wanted) {
      return false;
    }
  }
  const at = failedAt(letter).getTime();
  if (filter.since !== undefined && at < filter.since.getTime()) {
    return false;
  }
  if (filter.until !== undefined && at > filter.until.getTime()) {
    return false;
  }
  return true;
}

/** For audit records and logs: the filter as the operator gave it. */
export function describeFilter(filter: DeadLetterFilter): Record<string, string | boolean> {
  return Object.fromEntries(
    Object.entries(filter)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [
        key,
        value instanceof Date ? value.toISOString() : (value as string | boolean),
      ]),
  );
}
