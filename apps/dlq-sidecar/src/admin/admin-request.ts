import { DeadLetterFilter, parsePointInTime } from '../dead-letters/dead-letter.filter';
import { OperationsErrorCode, OperationsException } from '../operations/operations.exception';

/** Query strings and JSON bodies carry the same filter as the CLI flags. */
export function filterOf(input: Record<string, unknown> | undefined): DeadLetterFilter {
  const source = input ?? {};
  return {
    all: flag(source.all),
    reason: text(source.reason, 'reason'),
    order: text(source.order, 'order'),
    since: time(source.since, 'since'),
    until: time(source.until, 'until'),
  };
}

export function flag(value: unknown): boolean | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value === true || value === 'true') {
    return true;
  }
  if (value === false || value === 'false') {
    return false;
  }
  throw invalid('flags must be true or false');
}

export function positiveInt(value: unknown, name: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) {
    throw invalid(`${name} must be a whole number of at least 1`);
  }
  return parsed;
}

function text(value: unknown, name: string): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256) {
    throw invalid(`${name} must be a non-empty string`);
  }
  return value.trim();
}

function time(value: unknown, name: string): Date | undefined {
  if (value === undefined) {
    return undefined;
  }
  const parsed = typeof value === 'string' ? parsePointInTime(value) : undefined;
  if (!parsed) {
    throw invalid(`${name} must be an ISO time or a duration like 15m`);
  }
  return parsed;
}

function invalid(message: string): OperationsException {
  return new OperationsException(OperationsErrorCode.InvalidFilter, message);
}
