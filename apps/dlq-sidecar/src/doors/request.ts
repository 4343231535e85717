import {
  decodeCursor,
  PageCursor,
  RECORD_STATES,
  RecordFilter,
  RecordState,
} from '../records/record';
import { OperationsErrorCode, OperationsException } from '../operations/operations.exception';

/** What a door received, by name: CLI options (camelCased) or a query string / JSON body. */
export type RequestInput = Record<string, unknown>;

/** The filter fields both doors take by name (the CLI adds `reason`, an alias of `code`). */
export const FILTER_FIELDS = [
  'code',
  'client',
  'customer',
  'order',
  'since',
  'until',
  'text',
  'state',
] as const;

const DURATION = /^(\d+)\s*(s|m|h|d)$/i;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The one parser of both doors: the CLI and the admin API hand their input here, so a filter,
 * a limit or a rate means the same and is refused with the same message on either.
 */
export function filterOf(input: RequestInput, now: Date = new Date()): RecordFilter {
  const reason = text(input, 'reason');
  const code = text(input, 'code');
  if (reason !== undefined && code !== undefined && reason !== code) {
    throw invalid('reason and code are the same filter: give one');
  }
  const filter: RecordFilter = {
    ids: listOf(input, 'ids')?.map((id) => {
      if (!/^\d{1,18}$/.test(id)) {
        throw invalid(`ids: "${id}" is not a record id`);
      }
      return id;
    }),
    code: (reason ?? code)?.toUpperCase(),
    client: text(input, 'client'),
    customer: text(input, 'customer'),
    order: text(input, 'order'),
    since: time(input, 'since', now),
    until: time(input, 'until', now),
    text: text(input, 'text'),
    states: statesOf(input),
  };
  if (filter.since && filter.until && filter.since > filter.until) {
    throw invalid('since is after until');
  }
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined));
}

/** For changes: an empty filter means nothing unless `all` says everything. */
export function changeFilterOf(input: RequestInput, action: string): RecordFilter {
  const filter = filterOf(input);
  const criteria = Object.keys(filter).filter((key) => key !== 'states');
  if (criteria.length === 0 && !flagOf(input, 'all')) {
    throw new OperationsException(
      OperationsErrorCode.FilterRequired,
      `${action} needs --all, record ids or a filter (${FILTER_FIELDS.filter(
        (name) => name !== 'state',
      )
        .map((name) => `--${name}`)
        .join(', ')})`,
    );
  }
  return filter;
}

function statesOf(input: RequestInput): RecordState[] | undefined {
  const states = listOf(input, 'state');
  if (states === undefined) {
    return undefined;
  }
  if (states.includes('all')) {
    return [...RECORD_STATES];
  }
  for (const state of states) {
    if (!(RECORD_STATES as readonly string[]).includes(state)) {
      throw invalid(`state must be one of ${RECORD_STATES.join(', ')} or all`);
    }
  }
  return states as RecordState[];
}

export function limitOf(input: RequestInput, fallback: number): number {
  return Math.min(positive(input, 'limit') ?? fallback, 1000);
}

export function cursorOf(input: RequestInput): PageCursor | undefined {
  const value = text(input, 'cursor');
  const cursor = value === undefined ? undefined : decodeCursor(value);
  if (value !== undefined && cursor === undefined) {
    throw invalid('cursor is not one this API returned');
  }
  return cursor;
}

/** Records per second, at least 1; unset: REDRIVE_DEFAULT_RATE. */
export function rateOf(input: RequestInput): number | undefined {
  return positive(input, 'rate');
}

/**
 * A staged apply: `staged` (the configured stages) or `stages` (`1,10`: one order, then ten, then
 * the rest). Unset: a planned plan goes all at once, a paused one keeps its stages.
 */
export function stagesOf(input: RequestInput, configured: string): number[] | undefined {
  const given = input.stages ?? (flagOf(input, 'staged') ? configured : undefined);
  if (given === undefined) {
    return undefined;
  }
  const sizes = (Array.isArray(given) ? given : String(given).split(',')).map((size) =>
    typeof size === 'number' ? size : Number(String(size).trim()),
  );
  if (sizes.length > 5 || sizes.some((size) => !Number.isInteger(size) || size < 1)) {
    throw invalid('stages must be up to 5 sizes of at least 1, such as 1,10 (then the rest)');
  }
  return sizes;
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

export function text(input: RequestInput, name: string, max = 256): string | undefined {
  const value = input[name];
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw invalid(`${name} must be a non-empty text of at most ${max} characters`);
  }
  return value.trim();
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

/** `a,b` or a JSON array of texts. */
function listOf(input: RequestInput, name: string): string[] | undefined {
  const value = input[name];
  if (value === undefined) {
    return undefined;
  }
  const items = Array.isArray(value)
    ? value
    : typeof value === 'string'
      ? value.split(',')
      : [value];
  if (
    items.length === 0 ||
    items.length > 10_000 ||
    items.some((item) => typeof item !== 'string' || item.trim() === '')
  ) {
    throw invalid(`${name} must be a list of 1 to 10000 non-empty texts`);
  }
  return items.map((item: string) => item.trim());
}

/** `2026-01-31T12:00:00Z` or a duration back from now (`90s`, `15m`, `2h`, `7d`). */
function time(input: RequestInput, name: string, now: Date): Date | undefined {
  const value = text(input, name);
  if (value === undefined) {
    return undefined;
  }
  const duration = DURATION.exec(value);
  if (duration) {
    return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2].toLowerCase()]);
  }
  // Only full dates: "12" or "yesterday" must not silently become some odd instant.
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed)) {
    throw invalid(
      `${name} "${value}" is neither an ISO time (2026-01-31T12:00:00Z) nor a duration (15m, 2h, 7d)`,
    );
  }
  return new Date(parsed);
}

/** A whole number of at least 1 (a count typed back, a rate). */
export function positive(input: RequestInput, name: string): number | undefined {
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
