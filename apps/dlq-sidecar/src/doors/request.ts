import { DeadLetterFilter, parsePointInTime } from '../dlq/dead-letter.filter';
import { OperationsErrorCode, OperationsException } from '../operations/operations.exception';

/** What a door received, by name: CLI options (camelCased) or a query string / JSON body. */
export type RequestInput = Record<string, unknown>;

/**
 * The one parser of both doors: the CLI and the admin API hand their input here, so a filter,
 * a limit or a rate means the same and is refused with the same message on either.
 */
export function filterOf(input: RequestInput, now: Date = new Date()): DeadLetterFilter {
  const reason = text(input, 'reason');
  const code = text(input, 'code');
  if (reason !== undefined && code !== undefined && reason !== code) {
    throw invalid('reason and code are the same filter: give one');
  }
  const filter: DeadLetterFilter = {
    all: flagOf(input, 'all') || undefined,
    reason: reason ?? code,
    order: text(input, 'order'),
    since: time(input, 'since', now),
    until: time(input, 'until', now),
  };
  if (filter.since && filter.until && filter.since > filter.until) {
    throw invalid('since is after until');
  }
  return filter;
}

export function limitOf(input: RequestInput, fallback: number): number {
  return positive(input, 'limit') ?? fallback;
}

/** Messages per second, at least 1; unset: as fast as SQS allows. */
export function rateOf(input: RequestInput): number | undefined {
  return positive(input, 'rate');
}

export function flagOf(input: RequestInput, name: string): boolean {
  const value = input[name];
  if (value === undefined || value === false || value === 'false') {
    return false;
  }
  if (value === true || value === 'true') {
    return true;
  }
  throw invalid(`${name} must be true or false`);
}

export function actorOf(input: RequestInput): string | undefined {
  return text(input, 'actor')?.slice(0, 100);
}

/** A corrected order for edit and retry: a JSON object, or its text. */
export function orderOf(input: RequestInput): unknown {
  let order = input.order;
  if (typeof order === 'string') {
    try {
      order = JSON.parse(order);
    } catch (error) {
      throw invalid(`the corrected order is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (order === null || typeof order !== 'object' || Array.isArray(order)) {
    throw invalid(
      'the corrected order must be a JSON object like {"customerId": …, "currency": …, "items": […]}',
    );
  }
  return order;
}

function text(input: RequestInput, name: string): string | undefined {
  const value = input[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256) {
    throw invalid(`${name} must be a non-empty text of at most 256 characters`);
  }
  return value.trim();
}

function time(input: RequestInput, name: string, now: Date): Date | undefined {
  const value = text(input, name);
  if (value === undefined) {
    return undefined;
  }
  const parsed = parsePointInTime(value, now);
  if (!parsed) {
    throw invalid(
      `${name} "${value}" is neither an ISO time (2026-01-31T12:00:00Z) nor a duration (15m, 2h, 7d)`,
    );
  }
  return parsed;
}

function positive(input: RequestInput, name: string): number | undefined {
  const value = input[name];
  if (value === undefined) {
    return undefined;
  }
  const parsed =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw invalid(`${name} must be a whole number of at least 1`);
  }
  return parsed;
}

export function invalid(message: string): OperationsException {
  return new OperationsException(OperationsErrorCode.InvalidRequest, message);
}
